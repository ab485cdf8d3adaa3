package org.sparkmec.engine.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.conv.MecSolution;
import org.sparkmec.engine.runtime.EngineConf;

/** The engine's {@code spark.mec.*} settings: defaults, parsing, and the messages of rejected values. */
class EngineConfTest {

    private static void assertMessageContains(IllegalArgumentException e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
        }
    }

    @Test
    void defaultsParse() {
        for (EngineConf conf : new EngineConf[] {EngineConf.defaults(), EngineConf.from(Map.of())}) {
            assertEquals(BackendKind.AUTO, conf.get(EngineConf.BACKEND));
            assertEquals(0, conf.get(EngineConf.CPU_THREADS));
            assertEquals(GemmParallelism.TASKS, conf.get(EngineConf.CPU_GEMM_PARALLELISM));
            assertEquals(-1L, conf.get(EngineConf.CPU_BUFFER_CACHE), "auto");
            assertEquals(ConvAlgorithm.MEC, conf.get(EngineConf.CONV_ALGORITHM));
            assertEquals(0, conf.get(EngineConf.MEC_THRESHOLD), "0 = the backend's measured default");
            assertEquals(0, conf.get(EngineConf.CUDA_DEVICE));
            assertEquals(MecOptions.DEFAULT_CUDA_THRESHOLD, conf.mecOptions(BackendKind.CUDA).threshold());
            assertEquals(MecOptions.DEFAULT_CPU_THRESHOLD, conf.mecOptions(BackendKind.CPU).threshold());
            assertEquals(MecSolution.AUTO, conf.get(EngineConf.MEC_SOLUTION));
            assertEquals(MecOptions.defaults(), conf.mecOptions());
            assertEquals(new CpuBackendOptions(Runtime.getRuntime().availableProcessors(), GemmParallelism.TASKS,
                    CpuBackendOptions.defaultBufferCacheBytes()), conf.cpuOptions(), "threads 0 and cache auto resolved");
        }
    }

    @Test
    void everyEntryIsUniqueAndUnderThePrefix() {
        Set<String> keys = new HashSet<>();
        for (ConfigEntry<?> entry : EngineConf.ENTRIES) {
            assertTrue(entry.key().startsWith(EngineConf.PREFIX), entry.key());
            assertTrue(keys.add(entry.key()), "duplicate key " + entry.key());
            assertTrue(entry.doc() != null && !entry.doc().isBlank(), entry.key() + " has no doc");
            entry.parse(entry.defaultValue());
        }
    }

    @Test
    void validValuesParse() {
        EngineConf conf = EngineConf.from(Map.of(
                "spark.mec.backend", "CPU",
                "spark.mec.cpu.threads", " 3 ",
                "spark.mec.cpu.gemmParallelism", "blas",
                "spark.mec.cpu.bufferCacheBytes", "512m",
                "spark.mec.conv.algorithm", "Im2col",
                "spark.mec.mec.threshold", "64",
                "spark.mec.mec.solution", "b"));
        assertEquals(BackendKind.CPU, conf.get(EngineConf.BACKEND));
        assertEquals(new CpuBackendOptions(3, GemmParallelism.BLAS, 512L << 20), conf.cpuOptions());
        assertEquals(ConvAlgorithm.IM2COL, conf.get(EngineConf.CONV_ALGORITHM));
        assertEquals(new MecOptions(64, MecSolution.B), conf.mecOptions());
    }

    /** {@code allowed}: the allowed values (comma-separated) that the message must list, in any order. */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = ';', value = {
            "spark.mec.backend; gpu; auto, cpu, cuda",
            "spark.mec.backend; ''; auto, cpu, cuda",
            "spark.mec.cpu.threads; -1; an integer from 0 to 1024",
            "spark.mec.cpu.threads; two; an integer from 0 to 1024",
            "spark.mec.cpu.threads; 99999999999; an integer from 0 to 1024",
            "spark.mec.cpu.threads; 1025; an integer from 0 to 1024",
            "spark.mec.mec.threshold; -1; an integer >= 0",
            "spark.mec.mec.threshold; 1.5; an integer >= 0",
            "spark.mec.cuda.device; -1; an integer from 0 to 1023",
            "spark.mec.cuda.device; gpu0; an integer from 0 to 1023",
            "spark.mec.cpu.bufferCacheBytes; 12x; auto, or a size in bytes",
            "spark.mec.cpu.bufferCacheBytes; -5m; auto, or a size in bytes",
            "spark.mec.cpu.bufferCacheBytes; 1.5g; auto, or a size in bytes",
            "spark.mec.cpu.bufferCacheBytes; m; auto, or a size in bytes",
            "spark.mec.cpu.gemmParallelism; fast; tasks, blas",
            "spark.mec.conv.algorithm; fft; mec, im2col, direct",
            "spark.mec.mec.solution; c; auto, a, b"})
    void invalidValuesAreRejectedNamingKeyValueAndAllowedValues(String key, String value, String allowed) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineConf.from(Map.of(key, value)));
        assertMessageContains(e, key, "'" + value + "'", "allowed: ");
        String allowedPart = e.getMessage().substring(e.getMessage().indexOf("allowed: "));
        for (String name : allowed.split(",")) {
            assertTrue(allowedPart.contains(name.trim()), "allowed values in '" + e.getMessage() + "' should name " + name);
        }
    }

    @Test
    void overflowingSizeIsRejectedNamingKeyAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineConf.from(Map.of("spark.mec.cpu.bufferCacheBytes", "99999999999g")));
        assertMessageContains(e, "spark.mec.cpu.bufferCacheBytes", "'99999999999g'", "allowed:");
    }

    @Test
    void unknownSparkMecKeysAreRejectedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineConf.from(Map.of("spark.mec.cpu.thread", "2", "spark.mec.backend", "cpu")));
        assertMessageContains(e, "unknown", "spark.mec.cpu.thread", "spark.mec.cpu.threads");
        e = assertThrows(IllegalArgumentException.class,
                () -> EngineConf.from(Map.of("spark.mec.train.epochs", "3"), Set.of("spark.mec.train.batch")));
        assertMessageContains(e, "spark.mec.train.epochs");
    }

    @Test
    void keysKnownElsewhereAndOtherPrefixesAreAccepted() {
        EngineConf conf = EngineConf.from(Map.of(
                "spark.mec.train.epochs", "3",
                "spark.executor.memory", "4g",
                "spark.mec.backend", "cpu"), Set.of("spark.mec.train.epochs"));
        assertEquals(BackendKind.CPU, conf.get(EngineConf.BACKEND));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "512m, 536870912",
            "4g, 4294967296",
            "4G, 4294967296",
            "64k, 65536",
            "1024, 1024",
            "0, 0",
            "auto, -1",
            "AUTO, -1"})
    void sizesParse(String text, long bytes) {
        assertEquals(bytes, EngineConf.from(Map.of("spark.mec.cpu.bufferCacheBytes", text)).get(EngineConf.CPU_BUFFER_CACHE));
    }

    @Test
    void explicitCacheSizeAndThreadsReachTheCpuOptions() {
        CpuBackendOptions options = EngineConf.from(Map.of("spark.mec.cpu.bufferCacheBytes", "0",
                "spark.mec.cpu.threads", "0")).cpuOptions();
        assertEquals(0, options.bufferCacheBytes());
        assertEquals(Runtime.getRuntime().availableProcessors(), options.threads(), "0 threads means all processors");
    }
}
