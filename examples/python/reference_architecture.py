"""The reference architecture (examples/reference-architecture.ts) written with the Python bindings.

`npx projen test:packages` installs the wheel built by jsii-pacmak with the pinned peer packages
(requirements.txt) and checks that this program writes exactly the files, byte for byte, that the
TypeScript example writes.

Run: python reference_architecture.py [outdir]   (default: dist/reference-architecture-python)
"""
import sys

import cdk8s_architect as arch
from cdk8s import App, Duration


def build(app: App, profile: arch.Profile = arch.Profile.PRODUCTION) -> arch.BackendArchitecture:
    production = profile == arch.Profile.PRODUCTION
    shop = arch.BackendArchitecture(
        app,
        "shop",
        profile=profile,
        lint=arch.ArchitectureLintOptions(
            suppressions=[
                arch.LintSuppression(
                    rule=arch.LintRule.UNAUTHENTICATED_ROUTE,
                    path="shop/bff",
                    reason="the storefront API is public: shoppers browse without signing in, and the BFF checks the session for checkout",
                ),
            ]
        ),
    )

    # platform: client-side service registry and configuration center
    registry = arch.Registry(shop, "registry", engine=arch.RegistryEngine.etcd())
    config = arch.ConfigCenter(shop, "config", engine=arch.ConfigCenterEngine.kubernetes(
        entries={
            "log.format": arch.ConfigValue.string("json"),
            "http.client-timeout-ms": arch.ConfigValue.number(2000),
        },
        overlays={"development": {"log.format": arch.ConfigValue.string("text")}},
        applications={
            "orders": {"orders.max-items": arch.ConfigValue.number(100)},
            "payments": {
                "payments.currencies": arch.ConfigValue.json(["EUR", "USD"]),
                "payments.psp-api-key": arch.ConfigValue.secret(secret_name="psp-credentials", key="api-key"),
            },
        },
    ))

    # asynchronous domain events (Kafka, KRaft) and a cache (Redis with Sentinel)
    events = arch.MessageQueue(shop, "events", engine=arch.MessageQueueEngine.kafka(), topics=[
        arch.TopicOptions(name="order-placed", partitions=12 if production else 1),
        arch.TopicOptions(name="payment-settled", partitions=6 if production else 1),
        arch.TopicOptions(name="catalog-snapshots", cleanup_policy=arch.CleanupPolicy.COMPACT),
    ])
    # the three pillars of observability; every microservice below is traced, scraped and shipped
    observability = arch.ObservabilityStack(
        shop, "observability",
        tracing=arch.Tracing.jaeger(),
        logging=arch.Logging.fluent_bit(store=arch.LogStore.elasticsearch()),
        metrics=arch.Metrics.prometheus(alertmanager=arch.AlertmanagerOptions(
            receivers=[arch.AlertReceiverOptions(), arch.AlertReceiverOptions(team="checkout"), arch.AlertReceiverOptions(team="catalog")],
        )),
    )
    cache = arch.MessageQueue(shop, "cache", engine=arch.MessageQueueEngine.redis(
        persistence=arch.RedisPersistence.RDB, maxmemory_policy=arch.RedisMaxmemoryPolicy.ALLKEYS_LRU,
    ))

    bff = arch.Microservice(
        shop, "bff", image="ghcr.io/acme/shop-bff:3.2.0", context="storefront", team="storefront",
        autoscaling=arch.AutoscalingOptions(min_replicas=3, max_replicas=12) if production else None,
    )
    orders = arch.Microservice(
        shop, "orders", image="ghcr.io/acme/orders:1.4.2", context="ordering", team="checkout",
        env={
            "ORDERS_DB_URL": arch.EnvValue.from_secret(secret_name="orders-db", key="url"),
            "ORDERS_DB_PASSWORD": arch.EnvValue.from_secret(secret_name="orders-db", key="password"),
        },
    )
    payments = arch.Microservice(
        shop, "payments", image="ghcr.io/acme/payments:2.0.1", context="payments", team="checkout",
        protocol=arch.AppProtocol.GRPC, port=9090,
        additional_ports=[arch.MicroservicePort(name="http", port=8080, protocol=arch.AppProtocol.HTTP)],
    )
    catalog = arch.Microservice(shop, "catalog", image="ghcr.io/acme/catalog:5.1.0", context="catalog", team="catalog")
    users = arch.Microservice(
        shop, "users", image="ghcr.io/acme/users:1.9.3", context="identity", team="identity",
        resources=arch.ComputeResources(memory_request_mebibytes=384, memory_limit_mebibytes=768),
    )

    # every service registers with the registry and reads the config center
    for svc in (bff, orders, payments, catalog, users):
        svc.uses(registry)
        svc.uses(config)

    # domain events
    orders.uses(events.topic("order-placed").producer())
    payments.uses(events.topic("order-placed").consumer("payments"))
    catalog.uses(events.topic("order-placed").consumer("catalog"))
    payments.uses(events.topic("payment-settled").producer())
    orders.uses(events.topic("payment-settled").consumer("orders"))
    catalog.uses(events.topic("catalog-snapshots").producer())
    bff.uses(events.topic("catalog-snapshots").consumer("bff"))

    # caching
    bff.uses(cache)
    catalog.uses(cache)

    # the synchronous call graph
    bff.uses(orders)
    bff.uses(catalog)
    bff.uses(users)
    orders.uses(payments)
    orders.uses(catalog)
    payments.uses(users)

    # the way in: the access gateway in front of the BFF and the consoles
    sso = arch.GatewayAuth.jwt(issuer="https://login.acme.example", jwks_uri="https://login.acme.example/.well-known/jwks.json")
    edge = arch.Gateway(
        shop, "edge",
        # Envoy Gateway; the platform team enrols its proxies in the mesh (see the README)
        engine=arch.GatewayEngine.gateway_api(data_plane_in_mesh=True),
        tls=arch.GatewayTlsOptions(secret_name="shop-edge-tls"),
        cors=arch.CorsOptions(allow_origins=["https://shop.acme.example"]),
        request_timeout=Duration.seconds(30),
        rate_limit_per_minute=30000,
    )
    edge.route(host="api.shop.acme.example", to=bff, timeout=Duration.seconds(15),
               retries=arch.RouteRetryOptions(attempts=2), circuit_breaker=arch.CircuitBreakerOptions())
    edge.expose(observability.grafana, host="grafana.ops.acme.example",
                authentication=arch.ConsoleAuthentication.CONSOLE_LOGIN)
    edge.expose(observability.kibana, host="kibana.ops.acme.example",
                authentication=arch.ConsoleAuthentication.CONSOLE_LOGIN)
    for console in (observability.tracing_ui, observability.prometheus, observability.alertmanager):
        edge.expose(console, host=f"{console.console_name}.ops.acme.example",
                    authentication=arch.ConsoleAuthentication.GATEWAY, auth=sso)

    # the service mesh: mutual TLS, authorization and traffic policy derived from the graph above
    mesh = arch.Mesh(shop, "mesh", engine=arch.MeshEngine.istio())
    mesh.set_traffic_policy(catalog, timeout=Duration.seconds(2),
                            retries=arch.RetryOptions(attempts=2, methods=[arch.HttpMethod.GET]),
                            outlier_detection=arch.OutlierDetectionOptions(consecutive_errors=5))

    # the binding contract under its interface's parameter names (IBindable.bind(consumer))
    assert bff.bind(consumer=orders).env, "bind(consumer=...) answers a binding"
    return shop


if __name__ == "__main__":
    app = App(outdir=sys.argv[1] if len(sys.argv) > 1 else "dist/reference-architecture-python")
    build(app)
    app.synth()
