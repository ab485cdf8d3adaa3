package org.sparkmec.jobs;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.engine.runtime.EngineConf;
import org.sparkmec.spark.MecKryoRegistrator;
import org.sparkmec.spark.MecSparkPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark application of a command ({@code train}, {@code bench}): its master, its {@code --conf}
 * settings and the session settings every spark-mec application needs. Under spark-submit (the
 * {@code spark.master} system property is set) the application's master and Spark settings are used.
 */
final class SparkApplication {
    private static final Logger LOG = LoggerFactory.getLogger(SparkApplication.class);

    /** The masters Spark accepts (as SparkContext parses them); anything else fails before a session starts. */
    private static final Pattern SPARK_MASTER = Pattern.compile("local|local\\[(\\*|[1-9]\\d*)(\\s*,\\s*[1-9]\\d*)?]"
            + "|local-cluster\\[\\s*[1-9]\\d*\\s*,\\s*[1-9]\\d*\\s*,\\s*[1-9]\\d*\\s*]|spark://\\S+|yarn|k8s://\\S+");
    /** Masters whose driver and executors all run on this machine. */
    private static final Pattern LOCAL_MASTER = Pattern.compile("local(\\[.*])?|local-cluster\\[.*]");
    private static final String SUBMITTED_MASTER = "spark.master";
    private static final String LOOPBACK = "127.0.0.1";
    private static final String DRIVER_HOST = "spark.driver.host";
    private static final String DRIVER_BIND_ADDRESS = "spark.driver.bindAddress";
    private static final String PLUGINS = "spark.plugins";
    private static final String SERIALIZER = "spark.serializer";
    private static final String KRYO_REGISTRATOR = "spark.kryo.registrator";
    private static final String EXECUTOR_CLASS_PATH = "spark.executor.extraClassPath";
    private static final Pattern LOCAL_CLUSTER_MASTER = Pattern.compile("local-cluster\\[.*]");

    /** The masters {@code --master} accepts, for messages and help. */
    static final String MASTERS = "local, local[N], local[*], local[N,F], local-cluster[N,C,MB], spark://host:port, "
            + "yarn or k8s://URL";

    private SparkApplication() {
    }

    /**
     * The master to use: spark-submit's when submitted (a different {@code --master} given is ignored with a
     * warning), else {@code option}.
     *
     * @param optionGiven whether {@code --master} was on the command line
     * @throws IllegalArgumentException if {@code option} is not a Spark master URL (not submitted)
     */
    static String master(String option, boolean optionGiven) {
        String submitted = System.getProperty(SUBMITTED_MASTER);
        if (submitted == null) {
            if (!SPARK_MASTER.matcher(option).matches()) {
                throw new IllegalArgumentException("--master " + option + ": not a Spark master URL; expected none, "
                        + MASTERS);
            }
            return option;
        }
        if (optionGiven && !option.equals(submitted)) {
            LOG.warn("--master {} is ignored: this application was submitted with master {}", option, submitted);
        }
        return submitted;
    }

    /**
     * The {@code --conf KEY=VALUE} pairs (null: none given).
     *
     * @throws IllegalArgumentException naming a pair that is not {@code KEY=VALUE} or a key outside {@code spark.*}
     */
    static Map<String, String> sparkConf(List<String> pairs) {
        Map<String, String> given = CliSettings.keyValues("--conf", pairs);
        for (String key : given.keySet()) {
            if (!key.startsWith("spark.")) {
                throw new IllegalArgumentException("--conf " + key + ": not a Spark setting (spark.*)");
            }
        }
        return given;
    }

    /** The {@code spark.*} system properties, where spark-submit and {@code -D} put theirs. */
    static Map<String, String> systemProperties() {
        Map<String, String> s = new HashMap<>();
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("spark."))
                .forEach(k -> s.put(k, System.getProperty(k)));
        return s;
    }

    /** {@code spark.mec.backend=cpu}, overridden by the {@code spark.mec.*} settings among {@code system}. */
    static Map<String, String> mecDefaults(Map<String, String> system) {
        Map<String, String> base = new HashMap<>();
        base.put(EngineConf.BACKEND.key(), "cpu");
        system.forEach((k, v) -> {
            if (k.startsWith(EngineConf.PREFIX)) {
                base.put(k, v);
            }
        });
        return base;
    }

    /**
     * Starts (or gets) the session: {@code master} and {@code appName} unless submitted, then
     * {@link #sessionSettings}.
     */
    static SparkSession start(String master, String appName, Map<String, String> system, Map<String, String> given,
                              Map<String, String> mec) {
        SparkSession.Builder builder = SparkSession.builder();
        if (System.getProperty(SUBMITTED_MASTER) == null) {
            builder.master(master).appName(appName);
        }
        sessionSettings(master, system, given, mec).forEach(builder::config);
        return builder.getOrCreate();
    }

    /**
     * What the session builder sets over the {@code spark.*} system properties: the plugin and the Kryo
     * registrator added to any the user lists, Kryo unless another serializer was chosen, the other
     * {@code --conf} settings, and {@code mec}. A local master's driver binds to the loopback address unless
     * {@code spark.driver.host}, {@code spark.driver.bindAddress}, {@code SPARK_LOCAL_IP} or
     * {@code SPARK_LOCAL_HOSTNAME} says otherwise: its executors run on this machine, and this machine's host
     * name need not resolve (containers, VPNs). A {@code local-cluster} master's executors get this JVM's class
     * path ({@code spark.executor.extraClassPath}, unless set): they run without a Spark distribution's jars
     * (its workers also need {@code SPARK_HOME} and {@code SPARK_SCALA_VERSION}, which {@code ./mec} sets).
     */
    static Map<String, String> sessionSettings(String sparkMaster, Map<String, String> system,
                                                       Map<String, String> given, Map<String, String> mec) {
        Map<String, String> user = new HashMap<>(system);
        user.putAll(given);
        Map<String, String> s = new LinkedHashMap<>();
        s.put(PLUGINS, withClass(user.get(PLUGINS), MecSparkPlugin.CLASS_NAME));
        s.put(SERIALIZER, user.getOrDefault(SERIALIZER, KryoSerializer.class.getName()));
        s.put(KRYO_REGISTRATOR, withClass(user.get(KRYO_REGISTRATOR), MecKryoRegistrator.CLASS_NAME));
        given.forEach((k, v) -> {
            if (!k.startsWith(EngineConf.PREFIX) && !s.containsKey(k)) {
                s.put(k, v);
            }
        });
        s.putAll(mec);
        boolean addressGiven = user.containsKey(DRIVER_HOST) || user.containsKey(DRIVER_BIND_ADDRESS)
                || System.getenv("SPARK_LOCAL_IP") != null || System.getenv("SPARK_LOCAL_HOSTNAME") != null;
        if (!addressGiven && LOCAL_MASTER.matcher(sparkMaster).matches()) {
            s.put(DRIVER_HOST, LOOPBACK);
            s.put(DRIVER_BIND_ADDRESS, LOOPBACK);
        }
        if (LOCAL_CLUSTER_MASTER.matcher(sparkMaster).matches() && !user.containsKey(EXECUTOR_CLASS_PATH)) {
            s.put(EXECUTOR_CLASS_PATH, absoluteClassPath(System.getProperty("java.class.path")));
        }
        return s;
    }

    /** {@code classPath} with every entry made absolute (executors start in their own folders). */
    static String absoluteClassPath(String classPath) {
        return Arrays.stream(classPath.split(java.io.File.pathSeparator)).filter(e -> !e.isEmpty())
                .map(e -> java.nio.file.Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    /** {@code className} appended to the comma-separated {@code classes} unless listed there already. */
    private static String withClass(String classes, String className) {
        if (classes == null || classes.isBlank()) {
            return className;
        }
        boolean listed = Arrays.stream(classes.split(",")).map(String::trim).anyMatch(className::equals);
        return listed ? classes : classes + "," + className;
    }
}
