package org.sparkmec.engine.backend.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Opens the GPU for the tests tagged {@code gpu}, or skips them with the reason CUDA cannot be used here. */
public final class Gpu {
    private Gpu() {
    }

    /** A CUDA backend on GPU 0; skips the caller (JUnit assumption) where there is none. */
    public static CudaBackend openOrSkip() {
        String reason = CudaBackend.unavailableReason();
        assumeTrue(reason == null, () -> "no usable GPU: " + reason);
        return new CudaBackend(0);
    }
}
