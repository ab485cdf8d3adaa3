package org.sparkmec.spark.testing;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.sparkmec.spark.MecKryoRegistrator;
import org.sparkmec.spark.MecSparkPlugin;

/**
 * Spark sessions for tests: loopback only, no UI, the spark-mec plugin, and Kryo with
 * {@code spark.kryo.registrationRequired=true} (so every class crossing the data plane must be registered).
 */
public final class TestSessions {
    private TestSessions() {
    }

    /** The settings every test session uses, whatever its master. */
    public static Map<String, String> baseConf() {
        return Map.of(
                "spark.ui.enabled", "false",
                "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1",
                "spark.plugins", MecSparkPlugin.CLASS_NAME,
                "spark.serializer", "org.apache.spark.serializer.KryoSerializer",
                "spark.kryo.registrator", MecKryoRegistrator.CLASS_NAME,
                "spark.kryo.registrationRequired", "true",
                "spark.sql.shuffle.partitions", "4");
    }

    /** A session with {@code master} (e.g. {@code local[2]}) and extra settings. */
    public static SparkSession start(String master, Map<String, String> extra) {
        SparkSession.Builder b = SparkSession.builder().master(master).appName("spark-mec test");
        baseConf().forEach(b::config);
        extra.forEach(b::config);
        return b.getOrCreate();
    }
}
