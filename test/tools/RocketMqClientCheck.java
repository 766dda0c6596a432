import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * A RocketMQ 5.3.3 remoting client as a service would run one, for test/tools/rocketmq.test.ts:
 * it signs every request with AclClientRPCHook(SessionCredentials(USERNAME, PASSWORD)), the way
 * the manifests tell services to, and prints one line per outcome.
 *
 *   produce <namesrv> <user> <password> <topic> <body>   -> "SENT <status>" or "DENIED <error>"
 *   consume <namesrv> <user> <password> <topic> <group>  -> "RECEIVED <body>" per message, or "DENIED <error>"
 *
 * consume reads every queue of the topic from its first offset with the group's identity (a pull
 * consumer: the broker checks Sub on the topic and on the group, the client picks the master or,
 * while it is gone, a slave).
 */
public final class RocketMqClientCheck {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String namesrv = args[1];
    AclClientRPCHook hook = new AclClientRPCHook(new SessionCredentials(args[2], args[3]));
    String topic = args[4];
    try {
      if (mode.equals("produce")) {
        DefaultMQProducer producer = new DefaultMQProducer("check-producer", hook);
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("check-" + System.nanoTime());
        producer.setSendMsgTimeout(20000);
        producer.setRetryTimesWhenSendFailed(0);
        producer.start();
        try {
          SendResult r = producer.send(new Message(topic, args[5].getBytes(StandardCharsets.UTF_8)));
          System.out.println("SENT " + r.getSendStatus());
        } finally {
          producer.shutdown();
        }
      } else if (mode.equals("consume")) {
        DefaultMQPullConsumer consumer = new DefaultMQPullConsumer(args[5], hook);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName("check-" + System.nanoTime());
        consumer.start();
        try {
          Set<MessageQueue> queues = consumer.fetchSubscribeMessageQueues(topic);
          for (MessageQueue q : queues) {
            PullResult r = consumer.pull(q, "*", 0, 32, 20000);
            if (r.getPullStatus() == PullStatus.FOUND) {
              for (MessageExt m : r.getMsgFoundList()) System.out.println("RECEIVED " + new String(m.getBody(), StandardCharsets.UTF_8));
            }
          }
        } finally {
          consumer.shutdown();
        }
      } else {
        throw new IllegalArgumentException("mode " + mode);
      }
    } catch (Exception e) {
      Throwable t = e;
      StringBuilder why = new StringBuilder();
      while (t != null) {
        why.append(t.getClass().getSimpleName()).append(": ").append(String.valueOf(t.getMessage()).replace('\n', ' ')).append(" | ");
        t = t.getCause();
      }
      System.out.println("DENIED " + why);
    }
    System.exit(0);
  }
}
