package org.sparkmec.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one-line descriptions of failures. */
class SparkFailuresTest {

    @Test
    void describesAFailureInOneLineWithItsRootCause() {
        IllegalStateException e = new IllegalStateException("the engine cannot start",
                new RuntimeException("wrapper", new UnsatisfiedLinkError("libcuda.so.1: cannot open\n  at line 2")));
        assertEquals("the engine cannot start (cause: libcuda.so.1: cannot open)", SparkFailures.describe(e));
        assertEquals("already says libcuda.so.1: cannot open", SparkFailures.describe(new IllegalStateException(
                "already says libcuda.so.1: cannot open", new UnsatisfiedLinkError("libcuda.so.1: cannot open"))));
    }

    @Test
    void anOutOfMemoryErrorNamesWhatToRaise() {
        assertEquals("out of memory (Java heap space): raise the executors' heap, spark.executor.memory (in local mode "
                + "the driver's: MEC_JAVA_OPTS=-Xmx8g under ./mec, spark.driver.memory under spark-submit)",
                SparkFailures.describe(new OutOfMemoryError("Java heap space")));
    }
}
