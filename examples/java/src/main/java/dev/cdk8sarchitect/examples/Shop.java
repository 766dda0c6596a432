package dev.cdk8sarchitect.examples;

import java.util.List;
import java.util.Map;

import dev.cdk8sarchitect.AppProtocol;
import dev.cdk8sarchitect.AutoscalingOptions;
import dev.cdk8sarchitect.BackendArchitecture;
import dev.cdk8sarchitect.ConfigCenter;
import dev.cdk8sarchitect.ConfigCenterEngine;
import dev.cdk8sarchitect.ConfigValue;
import dev.cdk8sarchitect.EnvValue;
import dev.cdk8sarchitect.KubernetesConfigOptions;
import dev.cdk8sarchitect.MessageQueue;
import dev.cdk8sarchitect.MessageQueueEngine;
import dev.cdk8sarchitect.Microservice;
import dev.cdk8sarchitect.Profile;
import dev.cdk8sarchitect.Registry;
import dev.cdk8sarchitect.RegistryEngine;
import dev.cdk8sarchitect.SecretKeyReference;
import dev.cdk8sarchitect.TopicOptions;
import org.cdk8s.App;
import org.cdk8s.AppProps;

/**
 * A small architecture through the Java bindings: three microservices in two bounded contexts, an
 * etcd registry, the Kubernetes-native config center and Kafka with a producer and a consumer group.
 * Run: java -cp ... dev.cdk8sarchitect.examples.Shop [outdir]   (default: dist/java-shop)
 */
public final class Shop {
    private Shop() {}

    public static void main(final String[] args) {
        final String outdir = args.length > 0 ? args[0] : "dist/java-shop";
        final App app = new App(AppProps.builder().outdir(outdir).build());
        final BackendArchitecture shop = BackendArchitecture.Builder.create(app, "shop").profile(Profile.PRODUCTION).build();

        final Registry registry = Registry.Builder.create(shop, "registry").engine(RegistryEngine.etcd()).build();
        final ConfigCenter config = ConfigCenter.Builder.create(shop, "config")
            .engine(ConfigCenterEngine.kubernetes(KubernetesConfigOptions.builder()
                .entries(Map.of("log.format", ConfigValue.string("json"), "feature.enabled", ConfigValue.bool(true)))
                .build()))
            .build();
        final MessageQueue events = MessageQueue.Builder.create(shop, "events")
            .engine(MessageQueueEngine.kafka())
            .topics(List.of(TopicOptions.builder().name("order-placed").partitions(6).build()))
            .build();

        final Microservice orders = Microservice.Builder.create(shop, "orders")
            .image("ghcr.io/acme/orders:1.4.2").context("ordering").team("checkout")
            .env(Map.of("DB_PASSWORD", EnvValue.fromSecret(SecretKeyReference.builder().secretName("orders-db").key("password").build())))
            .build();
        final Microservice payments = Microservice.Builder.create(shop, "payments")
            .image("ghcr.io/acme/payments:2.0.1").context("payments").team("checkout")
            .protocol(AppProtocol.GRPC).port(9090)
            .autoscaling(AutoscalingOptions.builder().minReplicas(3).maxReplicas(12).build())
            .build();
        final Microservice billing = Microservice.Builder.create(shop, "billing")
            .image("ghcr.io/acme/billing:0.9.0").context("payments").team("checkout")
            .build();

        for (final Microservice svc : List.of(orders, payments, billing)) {
            svc.uses(registry);
            svc.uses(config);
        }
        orders.uses(payments);
        orders.uses(events.topic("order-placed").producer());
        billing.uses(events.topic("order-placed").consumer("billing"));

        app.synth();
        System.out.println(shop.getEdges().size() + " edges, output in " + outdir + "/");
    }
}
