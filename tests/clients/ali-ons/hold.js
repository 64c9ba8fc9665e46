// A long-lived ali-ons push consumer, for checks of what the broker sends to live consumers
// (GET_CONSUMER_RUNNING_INFO, RESET_CONSUMER_CLIENT_OFFSET) with a client we did not write.
//
// Against the name server in $NAMESRV: a push consumer of group $GROUP subscribes to $TOPIC
// (from the first offset, committing its offsets every second), prints `ready` once it runs,
// then one JSON line per message it consumes (`{"body":"...","queueId":0,"queueOffset":3}`).
// It runs until its standard input closes (then exits 0) or $TIMEOUT_MS passes (exit 1).
'use strict';

const { Consumer } = require('ali-ons');

const nameSrv = process.env.NAMESRV;
const topic = process.env.TOPIC;
const group = process.env.GROUP;
const timeoutMs = Number(process.env.TIMEOUT_MS || 120000);
if (!nameSrv || !topic || !group) {
  console.error('NAMESRV, TOPIC and GROUP must be set');
  process.exit(2);
}

// ali-ons wants an HTTP client for Aliyun's name-server lookup; with nameSrv it is not used.
const httpclient = {
  request: async () => {
    throw new Error('httpclient is not used with nameSrv');
  },
};

const consumer = new Consumer({
  httpclient,
  nameSrv,
  instanceName: `hold-${process.pid}`,
  consumerGroup: group,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  persistConsumerOffsetInterval: 1000,
});
consumer.on('error', err => console.error(`consumer error: ${err.message}`));
consumer.subscribe(topic, '*', async msg => {
  console.log(JSON.stringify({
    body: msg.body.toString(),
    queueId: msg.queueId,
    queueOffset: Number(msg.queueOffset),
  }));
});
consumer.ready().then(() => console.log('ready')).catch(err => {
  console.error(`consumer failed: ${err.stack}`);
  process.exit(1);
});

const timer = setTimeout(() => {
  console.error('timed out');
  process.exit(1);
}, timeoutMs);

process.stdin.on('data', () => {});
process.stdin.on('end', async () => {
  clearTimeout(timer);
  await Promise.race([consumer.close(), new Promise(r => setTimeout(r, 3000))]);
  process.exit(0);
});
