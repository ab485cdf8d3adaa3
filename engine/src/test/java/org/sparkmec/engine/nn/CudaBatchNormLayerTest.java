package org.sparkmec.engine.nn;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.backend.cuda.CudaBackend;
import org.sparkmec.engine.backend.cuda.Gpu;

/** Batch normalisation on the CUDA backend against the double reference ({@link BatchNormContract}); skipped without a GPU. */
@Tag("gpu")
class CudaBatchNormLayerTest extends BatchNormContract {
    private static CudaBackend gpu;

    @BeforeAll
    static void open() {
        gpu = Gpu.openOrSkip();
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Override
    Backend backend() {
        return gpu;
    }
}
