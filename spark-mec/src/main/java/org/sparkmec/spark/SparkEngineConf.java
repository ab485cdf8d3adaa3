package org.sparkmec.spark;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.sparkmec.engine.runtime.EngineConf;
import scala.Tuple2;

/**
 * Reads the engine's {@code spark.mec.*} settings from a {@link SparkConf}, validating them when the
 * job is submitted rather than when an executor first builds its engine.
 */
public final class SparkEngineConf {
    private SparkEngineConf() {
    }

    /**
     * @param knownElsewhere {@code spark.mec.*} keys owned by other layers (training, data), accepted here
     * @throws IllegalArgumentException on an invalid value or an unknown {@code spark.mec.} key, naming it
     */
    public static EngineConf from(SparkConf conf, Set<String> knownElsewhere) {
        return EngineConf.from(settings(conf), knownElsewhere);
    }

    /** Every {@code spark.mec.*} setting of {@code conf}, unvalidated. */
    public static Map<String, String> settings(SparkConf conf) {
        Map<String, String> settings = new HashMap<>();
        for (Tuple2<String, String> kv : conf.getAllWithPrefix(EngineConf.PREFIX)) {
            settings.put(EngineConf.PREFIX + kv._1(), kv._2());
        }
        return settings;
    }
}
