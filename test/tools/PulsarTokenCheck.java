import java.util.Date;
import java.util.Optional;
import java.util.Properties;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.authentication.AuthenticationDataCommand;
import org.apache.pulsar.broker.authentication.AuthenticationProviderToken;
import org.apache.pulsar.broker.authentication.utils.AuthTokenUtils;

/**
 * Pulsar's token verification as a broker runs it: AuthenticationProviderToken initialized from a
 * ServiceConfiguration whose only property is the tokenSecretKey setting (args[0], as the broker's
 * PULSAR_PREFIX_tokenSecretKey), then each token of args[1..] authenticated like a CONNECT command.
 * Prints one line per token: "role <role>" or "refused <reason>". An argument "create:<role>" or
 * "create:<role>:<exp>" prints the token `bin/pulsar tokens create --secret-key <key> --subject
 * <role>` makes instead, without expiry or expiring at <exp> (seconds since the epoch).
 */
public class PulsarTokenCheck {
  public static void main(String[] args) throws Exception {
    ServiceConfiguration conf = new ServiceConfiguration();
    Properties properties = new Properties();
    properties.setProperty("tokenSecretKey", args[0]);
    conf.setProperties(properties);
    AuthenticationProviderToken provider = new AuthenticationProviderToken();
    provider.initialize(conf);
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("create:")) {
        byte[] key = AuthTokenUtils.readKeyFromUrl(args[0]);
        String[] spec = args[i].substring(7).split(":");
        Optional<Date> expiry = spec.length > 1 ? Optional.of(new Date(Long.parseLong(spec[1]) * 1000L)) : Optional.empty();
        System.out.println("token " + AuthTokenUtils.createToken(AuthTokenUtils.decodeSecretKey(key), spec[0], expiry));
        continue;
      }
      try {
        System.out.println("role " + provider.authenticate(new AuthenticationDataCommand(args[i])));
      } catch (Exception e) {
        System.out.println("refused " + e.getMessage());
      }
    }
  }
}
