package org.sparkmec.engine.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sparkmec.engine.nn.Conv2dLayer;
import org.sparkmec.engine.nn.Layer;
import org.sparkmec.engine.nn.LayerMemory;
import org.sparkmec.engine.nn.Network;

/**
 * One line of {@code layer_memory.csv}: a layer's memory as measured by the engine (bytes).
 *
 * @param algorithm            conv layers: the algorithm in use; others {@code -}
 * @param im2colWorkspaceBytes what im2col would need for the same calls (the saving is visible beside
 *                             {@code workspaceBytes}); 0 for non-convolution layers
 * @param peakBytes            the engine's highest live native bytes while this layer ran
 */
public record LayerMemoryRow(String layer, String type, String algorithm, long weightsBytes, long gradientsBytes,
                             long activationsBytes, long workspaceBytes, long im2colWorkspaceBytes, long peakBytes)
        implements java.io.Serializable {

    public static final String CSV_HEADER = "layer,type,algorithm,weights_bytes,gradients_bytes,activations_bytes,"
            + "workspace_bytes,im2col_workspace_bytes,peak_bytes";

    /** One row per layer of {@code network}, from the layers' accounting and the network's measured peaks. */
    public static List<LayerMemoryRow> measure(Network network) {
        List<LayerMemoryRow> rows = new ArrayList<>();
        for (int i = 0; i < network.layers().size(); i++) {
            Layer layer = network.layers().get(i);
            LayerMemory m = layer.memory();
            String algorithm = layer instanceof Conv2dLayer c && c.convolution() != null
                    ? c.convolution().algorithm().configName() : "-";
            rows.add(new LayerMemoryRow(layer.name(), layer.type(), algorithm, m.weightsBytes(), m.gradientsBytes(),
                    m.activationsBytes(), m.workspaceBytes(), m.im2colWorkspaceBytes(), network.peakBytes(i)));
        }
        return rows;
    }

    public String toCsv() {
        return String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%d,%d", layer, type, algorithm, weightsBytes,
                gradientsBytes, activationsBytes, workspaceBytes, im2colWorkspaceBytes, peakBytes);
    }
}
