import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import java.io.File;
import java.lang.reflect.Field;
import java.util.Iterator;
import java.util.TreeMap;

/**
 * Loads a logback configuration with logback's own Joran configurator (the real library the image
 * runs: logback-classic, or RocketMQ's shaded copy after the test rewrites the package names) and
 * prints, per file appender as logback instantiated it, its window and file size, and per logger its
 * appenders; any status of level WARN or ERROR fails the check (exit 1).
 * With a logger name and a number of MiB, it then writes that much (1 KiB WARN lines, about 20 MiB/s)
 * to the logger, stops logback and prints the bytes and files below ./logs: the windows must hold.
 * Usage: java -cp <jars> LogbackCheck.java <configuration.xml> [<logger> <MiB>]
 */
public class LogbackCheck {
  public static void main(String[] args) throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(new File(args[0]));
    int worst = Status.INFO;
    for (Status s : context.getStatusManager().getCopyOfStatusList()) {
      worst = Math.max(worst, s.getEffectiveLevel());
      if (s.getEffectiveLevel() >= Status.WARN) System.out.println("STATUS " + s);
    }
    TreeMap<String, String> files = new TreeMap<>();
    for (Logger logger : context.getLoggerList()) {
      StringBuilder refs = new StringBuilder();
      for (Iterator<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
        Appender<ch.qos.logback.classic.spi.ILoggingEvent> a = it.next();
        refs.append(' ').append(a.getName());
        Appender<ch.qos.logback.classic.spi.ILoggingEvent> target = a;
        if (a instanceof AsyncAppenderBase) {
          Iterator<Appender<ch.qos.logback.classic.spi.ILoggingEvent>> inner = ((AsyncAppenderBase<ch.qos.logback.classic.spi.ILoggingEvent>) a).iteratorForAppenders();
          target = inner.next();
          refs.append('>').append(target.getName());
        }
        if (target instanceof RollingFileAppender) {
          RollingFileAppender<?> r = (RollingFileAppender<?>) target;
          FixedWindowRollingPolicy p = (FixedWindowRollingPolicy) r.getRollingPolicy();
          SizeBasedTriggeringPolicy<?> t = (SizeBasedTriggeringPolicy<?>) r.getTriggeringPolicy();
          Field f = SizeBasedTriggeringPolicy.class.getDeclaredField("maxFileSize");
          f.setAccessible(true);
          long size = ((FileSize) f.get(t)).getSize();
          files.put(target.getName(), "FILE " + target.getName() + " " + r.getFile() + " " + p.getFileNamePattern()
              + " " + p.getMinIndex() + " " + p.getMaxIndex() + " " + size + " " + r.isStarted());
        }
      }
      if (refs.length() > 0) System.out.println("LOGGER " + (logger.getName().equals(Logger.ROOT_LOGGER_NAME) ? "ROOT" : logger.getName()) + refs);
    }
    for (String line : files.values()) System.out.println(line);
    if (args.length >= 3) {
      Logger target = context.getLogger(args[1]);
      String line = new String(new char[1000]).replace('\0', 'x');
      long lines = Long.parseLong(args[2]) * 1024;
      for (long i = 0; i < lines; i++) {
        target.warn("{} {}", i, line);
        if (i % 1024 == 1023) Thread.sleep(50);
      }
    }
    context.stop();
    if (args.length >= 3) {
      long[] total = new long[2];
      java.nio.file.Files.walk(java.nio.file.Paths.get("logs")).filter(java.nio.file.Files::isRegularFile).forEach(p -> {
        total[0] += p.toFile().length();
        total[1]++;
        System.out.println("ONDISK " + p + " " + p.toFile().length());
      });
      System.out.println("DISK " + total[0] + " " + total[1]);
    }
    System.exit(worst >= Status.WARN ? 1 : 0);
  }
}
