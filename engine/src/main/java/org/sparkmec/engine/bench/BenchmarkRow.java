package org.sparkmec.engine.bench;

import java.util.Locale;

/**
 * One line of {@code layers.csv}.
 *
 * @param layer          layer name, or {@code sgemm-2048} for the ceiling row
 * @param backend        {@code cpu} or {@code cuda}
 * @param algorithm      {@code mec}, {@code mec-a}, {@code mec-b}, {@code im2col} or {@code sgemm}
 * @param pass           {@code forward}, or {@code backward} (input + weight gradients)
 * @param batch          mini-batch size
 * @param medianMs       median wall time of the timed runs, milliseconds
 * @param gflops         GFLOP/s at the median (forward: 2*i_n*o_h*o_w*k_c*k_h*k_w*i_c; backward: twice that)
 * @param workspaceBytes workspace the call allocated, bytes
 * @param path           the code path that ran (MEC solution A or B), {@code -} otherwise; printed, not in the CSV
 */
public record BenchmarkRow(String layer, String backend, String algorithm, String pass, int batch, double medianMs,
                           double gflops, long workspaceBytes, String path) {

    public static final String CSV_HEADER = "layer,backend,algorithm,pass,batch,median_ms,gflops,workspace_bytes";

    public String toCsv() {
        return String.format(Locale.ROOT, "%s,%s,%s,%s,%d,%.3f,%.2f,%d", layer, backend, algorithm, pass, batch,
                medianMs, gflops, workspaceBytes);
    }
}
