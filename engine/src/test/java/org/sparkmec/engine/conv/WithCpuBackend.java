package org.sparkmec.engine.conv;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sparkmec.engine.backend.cpu.CpuBackend;
import org.sparkmec.engine.backend.cpu.CpuBackendOptions;
import org.sparkmec.engine.backend.cpu.GemmParallelism;

/** Base of the engine tests that need one CPU backend (2 threads, TASKS) for the whole class. */
public abstract class WithCpuBackend {
    protected static CpuBackend backend;

    @BeforeAll
    static void startBackend() {
        backend = new CpuBackend(new CpuBackendOptions(2, GemmParallelism.TASKS));
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }
}
