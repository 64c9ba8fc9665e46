// End-to-end check of delayed messages and CONSUMER_SEND_MSG_BACK with a client we did not
// write: ali-ons, a pure JavaScript RocketMQ client.
//
// Against the name server in $NAMESRV, with topic $TOPIC created on the broker:
//   1. a push consumer of group $GROUP subscribes to $TOPIC (from the first offset);
//   2. a producer sends "plain" and "delayed" (delayTimeLevel 1);
//   3. the consumer fails "plain" once (ACTION_RETRY): ali-ons sends it back with
//      CONSUMER_SEND_MSG_BACK (delayLevel 0, the broker picks 3 + reconsumeTimes), and it comes
//      back from %RETRY%$GROUP with reconsumeTimes 1, where the consumer accepts it;
//   4. "delayed" is accepted when it arrives.
// Prints one JSON line with what the consumer saw, and exits 0; exits 1 on a timeout or error.
'use strict';

const { Consumer, Producer, Message } = require('ali-ons');

const nameSrv = process.env.NAMESRV;
const topic = process.env.TOPIC;
const group = process.env.GROUP;
const timeoutMs = Number(process.env.TIMEOUT_MS || 60000);
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
const common = { httpclient, nameSrv, instanceName: `check-${process.pid}` };

const seen = [];
let finished = false;

async function main() {
  const result = {};
  const done = new Promise(resolve => {
    const consumer = new Consumer(Object.assign({}, common, {
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      persistConsumerOffsetInterval: 1000,
    }));
    consumer.on('error', err => console.error(`consumer error: ${err.message}`));
    consumer.subscribe(topic, '*', async msg => {
      const body = msg.body.toString();
      seen.push({ body, topic: msg.topic, reconsumeTimes: msg.reconsumeTimes, at: Date.now() });
      if (body === 'plain' && msg.reconsumeTimes === 0) {
        return Consumer.ACTION_RETRY;
      }
      if (body === 'plain') {
        result.retried = {
          reconsumeTimes: msg.reconsumeTimes,
          originMessageId: msg.originMessageId || null,
          retryTopic: msg.retryTopic || null,
          msgId: msg.msgId,
        };
      }
      if (body === 'delayed') {
        result.delayed = { receivedAfterMs: Date.now() - result.delayedSentAt };
      }
      if (result.retried && result.delayed && !finished) {
        finished = true;
        resolve(consumer);
      }
    });
    consumer.ready().then(async () => {
      const producer = new Producer(Object.assign({}, common, { producerGroup: `${group}-producer` }));
      await producer.ready();
      const plain = await producer.send(new Message(topic, 'tagA', 'plain'));
      result.plainMsgId = plain.msgId;
      const delayed = new Message(topic, 'tagB', 'delayed');
      delayed.delayTimeLevel = 1;
      result.delayedSentAt = Date.now();
      await producer.send(delayed);
      await producer.close();
    }).catch(err => {
      console.error(`producer failed: ${err.stack}`);
      process.exit(1);
    });
  });
  const timer = setTimeout(() => {
    console.error(`timed out; the consumer saw: ${JSON.stringify(seen)}`);
    process.exit(1);
  }, timeoutMs);
  const consumer = await done;
  clearTimeout(timer);
  result.seen = seen;
  console.log(JSON.stringify(result));
  // Leave without waiting for long polls to end.
  await Promise.race([consumer.close(), new Promise(r => setTimeout(r, 3000))]);
  process.exit(0);
}

main().catch(err => {
  console.error(err.stack);
  process.exit(1);
});
