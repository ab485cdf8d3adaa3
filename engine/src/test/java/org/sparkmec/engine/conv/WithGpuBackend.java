package org.sparkmec.engine.conv;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.backend.cuda.Gpu;

/** Base of the convolution tests that need one CUDA backend (GPU 0) for the whole class; skipped where none can be used. */
abstract class WithGpuBackend {
    static CudaBackend gpu;

    @BeforeAll
    static void openGpu() {
        gpu = Gpu.openOrSkip();
    }

    @AfterAll
    static void closeGpu() {
        if (gpu != null) {
            gpu.close();
        }
    }
}
