package org.sparkmec.engine.bench;

import java.util.Locale;

/**
 * One measurement of the layer benchmark: a layer, an algorithm and a pass on one backend; in
 * {@code layers.csv} behind the executor and host that measured it.
 *
 * @param layer          layer name, or {@code sgemm-2048} for the ceiling row
 * @param backend        {@code cpu} or {@code cuda}
 * @param algorithm      {@code mec}, {@code mec-a}, {@code mec-b}, {@code mec-fused}, {@code im2col} or {@code sgemm}
 * @param pass           {@code forward}, or {@code backward} (input + weight gradients)
 * @param batch          mini-batch size
 * @param medianMs       median wall time of the timed runs, milliseconds
 * @param gflops         GFLOP/s at the median (forward: 2*i_n*o_h*o_w*k_c*k_h*k_w*i_c; backward: twice that)
 * @param workspaceBytes workspace the call allocated, bytes
 * @param path           the code path that ran: MEC's solution {@code A} or {@code B}, {@code -} otherwise (CSV
 *                       column {@code mec_solution})
 */
public record BenchmarkRow(String layer, String backend, String algorithm, String pass, int batch, double medianMs,
                           double gflops, long workspaceBytes, String path) {

    /** The CSV columns of a row. */
    public static final String CSV_HEADER = "layer,backend,algorithm,pass,batch,median_ms,gflops,workspace_bytes,"
            + "mec_solution";

    /** The row in {@link #CSV_HEADER}'s columns: milliseconds to 4 decimals, GFLOP/s to 2. */
    public String toCsv() {
        return String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%.4f,%.2f,%d,%s", layer, backend, algorithm, pass, batch,
                medianMs, gflops, workspaceBytes, path);
    }
}
