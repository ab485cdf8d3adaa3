package org.sparkmec.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.sparkmec.engine.backend.BackendKind;
import org.sparkmec.engine.runtime.EngineConf;

/**
 * The GPU address of a task's Spark resources and the engine pool keyed by it, without Spark or a GPU. The
 * addresses Spark really assigns, and the errors a task reports, are checked on a cluster in
 * {@code cluster.GpuResourceBindingTest}.
 */
class TaskGpuTest {
    private static final Map<String, String> CPU = Map.of(EngineConf.BACKEND.key(), "cpu",
            EngineConf.CPU_THREADS.key(), "1");

    private static Map<String, ResourceInformation> gpus(String... addresses) {
        return Map.of(TaskGpu.RESOURCE, new ResourceInformation(TaskGpu.RESOURCE, addresses));
    }

    @Test
    void oneAddressIsTheOrdinal() {
        assertEquals(OptionalInt.of(0), TaskGpu.fromResources(gpus("0"), "task 0"));
        assertEquals(OptionalInt.of(7), TaskGpu.fromResources(gpus("7"), "task 0"));
    }

    @Test
    void withoutGpuResourcesThereIsNoGpu() {
        assertEquals(OptionalInt.empty(), TaskGpu.fromResources(Map.of(), "task 0"));
        assertEquals(OptionalInt.empty(), TaskGpu.fromResources(gpus(), "task 0"));
        assertEquals(OptionalInt.empty(), TaskGpu.fromResources(
                Map.of("fpga", new ResourceInformation("fpga", new String[] {"0"})), "task 0"));
        assertEquals(OptionalInt.empty(), TaskGpu.assigned(null), "outside a task");
    }

    @Test
    void severalAddressesUseTheFirst() {
        assertEquals(OptionalInt.of(2), TaskGpu.fromResources(gpus("2", "3"), "task 0"));
    }

    @Test
    void anAddressThatIsNotAnOrdinalIsRejectedByName() {
        for (String bad : new String[] {"GPU-5e2f9c1a-0d4b-4c9e-a1f3-7b2d6e8f0a11", "-1", "+1", "1.0", " 1", "",
                "2147483648", "99999999999"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TaskGpu.fromResources(gpus(bad), "task 3.0 in stage 1.0 (TID 9)"), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("TID 9")
                    && e.getMessage().contains("non-negative integer") && e.getMessage().contains("discovery script"),
                    e.getMessage());
        }
        IllegalArgumentException first = assertThrows(IllegalArgumentException.class,
                () -> TaskGpu.fromResources(gpus("gpu0", "1"), "task 0"));
        assertTrue(first.getMessage().contains("'gpu0'"), first.getMessage());
    }

    /** An engine is pooled under its GPU: a task assigned GPU 1 never reuses the engine of GPU 0. */
    @Test
    void enginesArePooledPerAssignedGpu() {
        ExecutorEngines.Engine gpu0 = ExecutorEngines.acquire(CPU, OptionalInt.of(0));
        ExecutorEngines.Engine none = null;
        ExecutorEngines.Engine gpu1 = null;
        try {
            assertEquals(OptionalInt.of(0), gpu0.assignedGpu());
            assertEquals(BackendKind.CPU, gpu0.backend().kind(), "cpu ignores the assigned GPU");
            ExecutorEngines.release(gpu0);
            gpu1 = ExecutorEngines.acquire(CPU, OptionalInt.of(1));
            assertNotSame(gpu0, gpu1);
            assertEquals(OptionalInt.of(1), gpu1.assignedGpu());
            none = ExecutorEngines.acquire(CPU, OptionalInt.empty());
            assertNotSame(gpu0, none);
            assertEquals(OptionalInt.empty(), none.assignedGpu());
            ExecutorEngines.Engine again = ExecutorEngines.acquire(CPU, OptionalInt.of(0));
            assertSame(gpu0, again, "the idle engine of GPU 0 is reused for GPU 0");
        } finally {
            gpu0.close();
            if (gpu1 != null) {
                gpu1.close();
            }
            if (none != null) {
                none.close();
            }
        }
    }

    /** No GPU on the machines this runs on (or a GPU 1023 that does not exist): cuda fails naming GPU and reason. */
    @Test
    void cudaOnAnUnusableAssignedGpuFailsNamingItAndTheReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExecutorEngines.acquire(
                Map.of(EngineConf.BACKEND.key(), "cuda"), OptionalInt.of(1023)));
        assertTrue(e.getMessage().contains("GPU 1023") && e.getMessage().contains("assigned by the scheduler")
                && e.getMessage().contains("cannot be used: "), e.getMessage());
    }
}
