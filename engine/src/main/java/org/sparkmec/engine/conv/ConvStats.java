package org.sparkmec.engine.conv;

import org.sparkmec.engine.memory.Workspace;
import org.sparkmec.engine.memory.WorkspacePart;

/**
 * What one convolution call did and the workspace it allocated, measured from its {@link Workspace}.
 *
 * @param algorithm                the algorithm that ran
 * @param path                     the code path within it: {@code A} or {@code B} for MEC, else {@code -}
 * @param loweredBytes             bytes of the lowered matrix (MEC's L or im2col's columns)
 * @param loweredGradientBytes     bytes of a separate buffer for the lowered matrix's gradient (0 when
 *                                 the gradient reuses the lowered matrix's buffer)
 * @param permutationScratchBytes  bytes of permutation scratch (MEC solution A only)
 */
public record ConvStats(ConvAlgorithm algorithm, String path, long loweredBytes, long loweredGradientBytes,
                        long permutationScratchBytes) {

    /** Reads the sizes a call's workspace allocated. */
    public static ConvStats measured(ConvAlgorithm algorithm, String path, Workspace ws) {
        return new ConvStats(algorithm, path, ws.bytes(WorkspacePart.LOWERED), ws.bytes(WorkspacePart.LOWERED_GRADIENT),
                ws.bytes(WorkspacePart.PERMUTATION_SCRATCH));
    }

    /** All workspace bytes of the call. */
    public long workspaceBytes() {
        return loweredBytes + loweredGradientBytes + permutationScratchBytes;
    }
}
