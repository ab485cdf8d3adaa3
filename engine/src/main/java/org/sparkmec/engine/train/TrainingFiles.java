package org.sparkmec.engine.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.sparkmec.engine.io.AtomicFiles;

/**
 * The files of a training run: the CSV outputs ({@code metrics.csv}, {@code layer_memory.csv}), written
 * atomically, and the names of the others.
 */
public final class TrainingFiles {
    public static final String METRICS = "metrics.csv";
    public static final String LAYER_MEMORY = "layer_memory.csv";
    public static final String CHECKPOINT = "checkpoint.ckpt";
    public static final String MODEL_CONF = "model.conf";
    public static final String MODEL_CKPT = "model.ckpt";
    /** The class index and name of every class, when the data names its classes (an image folder). */
    public static final String CLASSES = "classes.csv";
    private static final String CLASSES_HEADER = "index,name";

    private TrainingFiles() {
    }

    /** Writes {@code metrics.csv}: a header and one line per epoch. */
    public static void writeMetrics(Path file, List<EpochMetrics> rows) throws IOException {
        writeCsv(file, EpochMetrics.CSV_HEADER, rows.stream().map(EpochMetrics::toCsv).toList());
    }

    /**
     * The rows of an earlier run's {@code metrics.csv} for epochs up to {@code epochs}; none if the file is
     * missing.
     */
    public static List<EpochMetrics> readMetrics(Path file, int epochs) throws IOException {
        List<EpochMetrics> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank() || line.startsWith("epoch,")) {
                continue;
            }
            EpochMetrics m;
            try {
                m = EpochMetrics.parseCsv(line);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": not a metrics.csv row: " + e.getMessage(), e);
            }
            if (m.epoch() <= epochs) {
                rows.add(m);
            }
        }
        return rows;
    }

    /**
     * Writes {@code outDir/classes.csv}, a header and an {@code index,name} line per class in index order, when
     * the data names its classes ({@code names} not empty); else nothing.
     */
    public static void writeClasses(Path outDir, List<String> names) throws IOException {
        if (!names.isEmpty()) {
            writeCsv(outDir.resolve(CLASSES), CLASSES_HEADER,
                    IntStream.range(0, names.size()).mapToObj(i -> i + "," + names.get(i)).toList());
        }
    }

    /** Writes {@code header} and {@code lines}, one per line, atomically. */
    public static void writeCsv(Path file, String header, List<String> lines) throws IOException {
        AtomicFiles.writeString(file, lines.stream().collect(Collectors.joining("\n", header + "\n", "\n")));
    }
}
