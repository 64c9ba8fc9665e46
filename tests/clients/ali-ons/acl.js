// End-to-end check of client ACL with a client we did not write: ali-ons signs every request
// with accessKeyId/accessKeySecret (HMAC-SHA1 over the sorted ext fields and the body, as
// RocketMQ's Java ACL hook does).
//
// Against the name server in $NAMESRV, with topic $TOPIC created on a broker with
// aclEnable=true, as the account $ACCESS_KEY/$SECRET_KEY:
//   1. a producer sends one message;
//   2. a push consumer of group $GROUP receives it (from the first offset).
// Prints one JSON line and exits 0: {"sent": msgId, "received": body} when both worked, or
// {"sendError": message} when the broker refused the send. Exits 1 on a timeout or another error.
'use strict';

const { Consumer, Producer, Message } = require('ali-ons');

const nameSrv = process.env.NAMESRV;
const topic = process.env.TOPIC;
const group = process.env.GROUP;
const accessKeyId = process.env.ACCESS_KEY;
const accessKeySecret = process.env.SECRET_KEY;
const timeoutMs = Number(process.env.TIMEOUT_MS || 60000);
if (!nameSrv || !topic || !group || !accessKeyId || !accessKeySecret) {
  console.error('NAMESRV, TOPIC, GROUP, ACCESS_KEY and SECRET_KEY must be set');
  process.exit(2);
}

// ali-ons wants an HTTP client for Aliyun's name-server lookup; with nameSrv it is not used.
const httpclient = {
  request: async () => {
    throw new Error('httpclient is not used with nameSrv');
  },
};
const common = { httpclient, nameSrv, accessKeyId, accessKeySecret, instanceName: `acl-${process.pid}` };

async function main() {
  const producer = new Producer(Object.assign({}, common, { producerGroup: `${group}-producer` }));
  producer.on('error', err => console.error(`producer error: ${err.message}`));
  await producer.ready();
  let sent;
  try {
    sent = await producer.send(new Message(topic, 'tagA', 'signed by ali-ons'));
  } catch (err) {
    console.log(JSON.stringify({ sendError: err.message }));
    process.exit(0);
  }
  // The producer stays open: its client is shared with the consumer's (same instanceName), and
  // a closed producer has no error listener left for the client's route-refresh errors.
  const received = await new Promise(resolve => {
    const consumer = new Consumer(Object.assign({}, common, {
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    }));
    consumer.on('error', err => console.error(`consumer error: ${err.message}`));
    consumer.subscribe(topic, '*', async msg => {
      resolve(msg.body.toString());
    });
  });
  console.log(JSON.stringify({ sent: sent.msgId, received }));
  process.exit(0);
}

setTimeout(() => {
  console.error(`timed out after ${timeoutMs} ms`);
  process.exit(1);
}, timeoutMs);

main().catch(err => {
  console.error(err.stack);
  process.exit(1);
});
