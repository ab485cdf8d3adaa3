package org.sparkmec.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.runtime.EngineConf;

class SparkEngineConfTest {

    @Test
    void readsEngineKeysFromSparkConf() {
        SparkConf conf = new SparkConf(false).set("spark.mec.backend", "cpu").set("spark.mec.conv.algorithm", "im2col")
                .set("spark.mec.mec.threshold", "64").set("spark.app.name", "x");
        EngineConf engine = SparkEngineConf.from(conf, Set.of());
        assertEquals(BackendKind.CPU, engine.get(EngineConf.BACKEND));
        assertEquals(ConvAlgorithm.IM2COL, engine.get(EngineConf.CONV_ALGORITHM));
        assertEquals(64, engine.mecOptions().threshold());
    }

    @Test
    void invalidValueFailsWithKeyValueAndAllowed() {
        SparkConf conf = new SparkConf(false).set("spark.mec.backend", "tpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkEngineConf.from(conf, Set.of()));
        assertTrue(e.getMessage().contains("spark.mec.backend") && e.getMessage().contains("'tpu'")
                && e.getMessage().contains("auto|cpu|cuda"), e.getMessage());
    }

    @Test
    void unknownKeyFailsUnlessOwnedElsewhere() {
        SparkConf conf = new SparkConf(false).set("spark.mec.batchSize", "32");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkEngineConf.from(conf, Set.of()));
        assertTrue(e.getMessage().contains("spark.mec.batchSize"), e.getMessage());
        assertEquals(BackendKind.AUTO, SparkEngineConf.from(conf, Set.of("spark.mec.batchSize")).get(EngineConf.BACKEND));
    }
}
