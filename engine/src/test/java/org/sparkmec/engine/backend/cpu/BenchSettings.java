package org.sparkmec.engine.backend.cpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.sparkmec.engine.bench.BenchLayer;
import org.sparkmec.engine.bench.LayerSetFile;

/**
 * The CPU benchmarks' settings, from system properties: {@code bench.layerSet} ({@code cv} or {@code resnet}: the
 * file of {@code conf/layers}, default cv), {@code bench.layers} (comma list, default all of the set), {@code bench.rounds} (5, after one warm-up round), {@code bench.batch}
 * (32), {@code bench.threads} (the machine's processors).
 */
record BenchSettings(List<BenchLayer> layers, int rounds, int batch, int threads) {

    static BenchSettings fromSystemProperties() throws IOException {
        LayerSetFile file = LayerSetFile.read(Path.of("..", "conf", "layers",
                System.getProperty("bench.layerSet", "cv") + ".layers"));
        String selected = System.getProperty("bench.layers", "");
        List<BenchLayer> layers = selected.isEmpty() ? file.all() : file.select(Arrays.asList(selected.split(",")));
        return new BenchSettings(layers, Integer.getInteger("bench.rounds", 5), Integer.getInteger("bench.batch", 32),
                Integer.getInteger("bench.threads", Runtime.getRuntime().availableProcessors()));
    }

    /** A result's first line: the backend, the load at start, the batch and the rounds. */
    String header(CpuBackend backend) {
        return "# " + backend.description() + "; " + loadAverage() + " (load at start); batch " + batch
                + ", median of " + rounds + " alternating rounds, ms";
    }

    /** A result's last line: the load at the end. */
    static String footer() {
        return "# " + loadAverage() + " (load at end)";
    }

    /** The first three fields of /proc/loadavg and the rest of that line, for a result's header. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
