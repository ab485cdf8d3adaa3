package org.sparkmec.engine.train;

import java.util.Locale;

/**
 * One line of {@code layer_memory.csv}: a layer's memory as measured by the engine (bytes).
 *
 * @param algorithm            conv layers: the algorithm in use; others {@code -}
 * @param im2colWorkspaceBytes what im2col would need for the same calls (the saving is visible beside
 *                             {@code workspaceBytes}); 0 for non-convolution layers
 * @param peakBytes            the engine's highest live native bytes while this layer ran
 */
public record LayerMemoryRow(String layer, String type, String algorithm, long weightsBytes, long gradientsBytes,
                             long activationsBytes, long workspaceBytes, long im2colWorkspaceBytes, long peakBytes) {

    public static final String CSV_HEADER = "layer,type,algorithm,weights_bytes,gradients_bytes,activations_bytes,"
            + "workspace_bytes,im2col_workspace_bytes,peak_bytes";

    public String toCsv() {
        return String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%d,%d", layer, type, algorithm, weightsBytes,
                gradientsBytes, activationsBytes, workspaceBytes, im2colWorkspaceBytes, peakBytes);
    }
}
