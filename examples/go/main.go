// A small architecture through the Go bindings: three microservices in two bounded contexts, an
// etcd registry, the Kubernetes-native config center and Kafka with a producer and a consumer group.
// `npx projen test:packages` builds it against the Go module jsii-pacmak generates and runs it.
//
// Run: go run . [outdir]   (default: dist/go-shop)
package main

import (
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-architect/cdk8s-architect-go/cdk8sarchitect"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

func main() {
	outdir := "dist/go-shop"
	if len(os.Args) > 1 {
		outdir = os.Args[1]
	}
	app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(outdir)})
	shop := cdk8sarchitect.NewBackendArchitecture(app, jsii.String("shop"), &cdk8sarchitect.BackendArchitectureProps{
		Profile: cdk8sarchitect.Profile_PRODUCTION,
	})

	registry := cdk8sarchitect.NewRegistry(shop, jsii.String("registry"), &cdk8sarchitect.RegistryProps{
		Engine: cdk8sarchitect.RegistryEngine_Etcd(nil),
	})
	config := cdk8sarchitect.NewConfigCenter(shop, jsii.String("config"), &cdk8sarchitect.ConfigCenterProps{
		Engine: cdk8sarchitect.ConfigCenterEngine_Kubernetes(&cdk8sarchitect.KubernetesConfigOptions{
			Entries: &map[string]cdk8sarchitect.ConfigValue{
				"log.format":      cdk8sarchitect.ConfigValue_String(jsii.String("json")),
				"feature.enabled": cdk8sarchitect.ConfigValue_Bool(jsii.Bool(true)),
			},
		}),
	})
	events := cdk8sarchitect.NewMessageQueue(shop, jsii.String("events"), &cdk8sarchitect.MessageQueueProps{
		Engine: cdk8sarchitect.MessageQueueEngine_Kafka(nil),
		Topics: &[]*cdk8sarchitect.TopicOptions{{Name: jsii.String("order-placed"), Partitions: jsii.Number(6)}},
	})

	orders := cdk8sarchitect.NewMicroservice(shop, jsii.String("orders"), &cdk8sarchitect.MicroserviceProps{
		Image: jsii.String("ghcr.io/acme/orders:1.4.2"), Context: jsii.String("ordering"), Team: jsii.String("checkout"),
		Env: &map[string]cdk8sarchitect.EnvValue{
			"DB_PASSWORD": cdk8sarchitect.EnvValue_FromSecret(&cdk8sarchitect.SecretKeyReference{SecretName: jsii.String("orders-db"), Key: jsii.String("password")}),
		},
	})
	payments := cdk8sarchitect.NewMicroservice(shop, jsii.String("payments"), &cdk8sarchitect.MicroserviceProps{
		Image: jsii.String("ghcr.io/acme/payments:2.0.1"), Context: jsii.String("payments"), Team: jsii.String("checkout"),
		Protocol: cdk8sarchitect.AppProtocol_GRPC, Port: jsii.Number(9090),
		Autoscaling: &cdk8sarchitect.AutoscalingOptions{MinReplicas: jsii.Number(3), MaxReplicas: jsii.Number(12)},
	})
	billing := cdk8sarchitect.NewMicroservice(shop, jsii.String("billing"), &cdk8sarchitect.MicroserviceProps{
		Image: jsii.String("ghcr.io/acme/billing:0.9.0"), Context: jsii.String("payments"), Team: jsii.String("checkout"),
	})

	for _, svc := range []cdk8sarchitect.Microservice{orders, payments, billing} {
		svc.Uses(registry)
		svc.Uses(config)
	}
	orders.Uses(payments)
	orders.Uses(events.Topic(jsii.String("order-placed")).Producer())
	billing.Uses(events.Topic(jsii.String("order-placed")).Consumer(jsii.String("billing")))

	app.Synth()
	fmt.Printf("%d edges, output in %s/\n", len(*shop.Edges()), outdir)
}
