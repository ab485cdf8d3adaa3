package org.sparkmec.engine.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.sparkmec.engine.io.AtomicFiles;

/** The CSV outputs of a training run ({@code metrics.csv}, {@code layer_memory.csv}), written atomically. */
public final class TrainingFiles {
    public static final String METRICS = "metrics.csv";
    public static final String LAYER_MEMORY = "layer_memory.csv";
    public static final String CHECKPOINT = "checkpoint.ckpt";
    public static final String MODEL_CONF = "model.conf";
    public static final String MODEL_CKPT = "model.ckpt";

    private TrainingFiles() {
    }

    /** Writes {@code metrics.csv}: a header and one line per epoch. */
    public static void writeMetrics(Path file, List<EpochMetrics> rows) throws IOException {
        writeCsv(file, EpochMetrics.CSV_HEADER, rows.stream().map(EpochMetrics::toCsv).toList());
    }

    /** Writes {@code header} and {@code lines}, one per line, atomically. */
    public static void writeCsv(Path file, String header, List<String> lines) throws IOException {
        AtomicFiles.writeString(file, lines.stream().collect(Collectors.joining("\n", header + "\n", "\n")));
    }
}
