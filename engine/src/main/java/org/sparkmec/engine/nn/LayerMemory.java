package org.sparkmec.engine.nn;

/**
 * What one layer holds and used, in bytes: the largest sizes seen over its forward/backward passes.
 *
 * @param weightsBytes         parameters (weights and bias)
 * @param gradientsBytes       parameter gradients
 * @param activationsBytes     the layer's output and input-gradient tensors and any saved state (masks)
 * @param workspaceBytes       the largest workspace one convolution call of the layer allocated
 * @param im2colWorkspaceBytes what im2col would need for the same call (0 for non-convolution layers)
 */
public record LayerMemory(long weightsBytes, long gradientsBytes, long activationsBytes, long workspaceBytes,
                          long im2colWorkspaceBytes) {

    public static final LayerMemory NONE = new LayerMemory(0, 0, 0, 0, 0);
}
