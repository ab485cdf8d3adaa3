package org.sparkmec.engine.conv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.shape.ConvGeometry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of the {@code auto} convolution algorithm (MEC or im2col, measured on a layer's first batch), keyed
 * by backend ({@link Backend#description()}: kind, library, kernel, threads, GPU), geometry and workspace budget,
 * so that a decision is measured once and then reused instead of raced again:
 *
 * <ul>
 *   <li>in memory, by every layer of the JVM with the same key (the workers sharing an executor never disagree);
 *   <li>when the table has a file ({@code spark.mec.conv.autoTable}), by every later process on the machine that
 *       uses the same file: the decision is read from it, so two runs with the same seed choose the same
 *       algorithms. Processes that need a decision at the same time serialise on an exclusive lock of the file's
 *       sibling {@code .lock} (released by the operating system if a process dies): the first measures and writes,
 *       the others read.
 * </ul>
 *
 * <p>The file is tab-separated text, one decision per line (backend, geometry, budget in bytes, algorithm, forward
 * milliseconds of MEC and of im2col, UTC time of the measurement), rewritten whole through a temporary file and an
 * atomic rename, so a reader never sees half a table. Delete it (or a line) to measure again. A line that cannot be
 * parsed is ignored with a warning; a file that cannot be read or written leaves the decisions in memory only, with
 * one warning.
 *
 * <p>Thread-safe. Instances are shared per file ({@link #file}); backends created from an engine configuration get
 * theirs {@linkplain #attach attached}, other backends share {@link #inMemory()}.
 */
public final class ConvAutoTable {
    private static final Logger LOG = LoggerFactory.getLogger(ConvAutoTable.class);
    private static final String HEADER = "# spark-mec: decisions of conv2d algorithm auto, one per line: backend\tgeometry"
            + "\tworkspace budget (bytes)\talgorithm\tmec forward (ms)\tim2col forward (ms)\tmeasured at (UTC)";
    private static final ConvAutoTable IN_MEMORY = new ConvAutoTable(null);
    private static final Map<Path, ConvAutoTable> BY_FILE = new ConcurrentHashMap<>();
    private static final Map<Backend, ConvAutoTable> ATTACHED = new WeakHashMap<>();

    /**
     * One decision.
     *
     * @param algorithm    {@link ConvAlgorithm#MEC} or {@link ConvAlgorithm#IM2COL}
     * @param mecMillis    MEC's measured forward time, milliseconds
     * @param im2colMillis im2col's measured forward time, milliseconds
     * @param measuredAt   when it was measured
     * @param source       where this lookup found it, for logs ("measured now", "this JVM", the file); not stored
     */
    public record Decision(ConvAlgorithm algorithm, double mecMillis, double im2colMillis, Instant measuredAt,
                           String source) {
        public Decision {
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(measuredAt, "measuredAt");
            Objects.requireNonNull(source, "source");
        }

        Decision from(String where) {
            return new Decision(algorithm, mecMillis, im2colMillis, measuredAt, where);
        }
    }

    private final Path file;
    private final Map<String, Decision> decisions = new ConcurrentHashMap<>();
    private boolean warned;

    private ConvAutoTable(Path file) {
        this.file = file;
    }

    /** The JVM-wide table without a file (decisions last as long as the JVM). */
    public static ConvAutoTable inMemory() {
        return IN_MEMORY;
    }

    /** The table kept in {@code file} (created with its folder on the first decision); one instance per file. */
    public static ConvAutoTable file(Path file) {
        return BY_FILE.computeIfAbsent(file.toAbsolutePath().normalize(), ConvAutoTable::new);
    }

    /** Makes {@code table} the one {@link #of} returns for {@code backend}, for as long as the backend lives. */
    public static void attach(Backend backend, ConvAutoTable table) {
        synchronized (ATTACHED) {
            ATTACHED.put(Objects.requireNonNull(backend, "backend"), Objects.requireNonNull(table, "table"));
        }
    }

    /** The table attached to {@code backend}, else {@link #inMemory()}. */
    public static ConvAutoTable of(Backend backend) {
        synchronized (ATTACHED) {
            return ATTACHED.getOrDefault(backend, IN_MEMORY);
        }
    }

    /** The file behind this table, or null when it is kept in memory only. */
    public Path path() {
        return file;
    }

    /** The key of a decision: tabs and line breaks in the parts become spaces. */
    public static String key(Backend backend, ConvGeometry geometry, long workspaceBudgetBytes) {
        return clean(backend.description()) + "\t" + clean(geometry.toString()) + "\t" + workspaceBudgetBytes;
    }

    /**
     * The decision for {@code key}: from memory, else from the file, else {@code measure}d now (at most once per key
     * among the threads of this JVM and the processes sharing the file) and recorded.
     *
     * @param measure measures both algorithms; called with this table's lock (and the file's) held
     */
    public Decision decide(String key, Supplier<Decision> measure) {
        Decision known = decisions.get(key);
        if (known != null) {
            return known.from("this JVM");
        }
        synchronized (this) {
            known = decisions.get(key);
            if (known != null) {
                return known.from("this JVM");
            }
            if (file == null) {
                return record(key, measure.get());
            }
            try {
                return decideWithFile(key, measure);
            } catch (IOException | UncheckedIOException | OverlappingFileLockException e) {
                warnOnce("cannot use " + file + " (" + e + "); conv2d auto decisions stay in this JVM only");
                known = decisions.get(key);
                return known != null ? known.from("this JVM") : record(key, measure.get());
            }
        }
    }

    private Decision decideWithFile(String key, Supplier<Decision> measure) throws IOException {
        Path parent = file.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            load();
            Decision known = decisions.get(key);
            if (known != null) {
                return known.from(file.toString());
            }
            Decision measured = record(key, measure.get());
            save();
            return measured;
        }
    }

    private Decision record(String key, Decision measured) {
        Decision d = measured.from("measured now");
        decisions.put(key, d);
        return d;
    }

    /** Merges the file's decisions into memory (the file wins: it is what the other processes use). */
    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            try {
                if (f.length != 7) {
                    throw new IllegalArgumentException("expected 7 tab-separated fields, got " + f.length);
                }
                ConvAlgorithm algorithm = ConvAlgorithm.parse(f[3]);
                if (algorithm == ConvAlgorithm.DIRECT) {
                    throw new IllegalArgumentException("algorithm must be mec or im2col, got direct");
                }
                Long.parseLong(f[2]);
                decisions.put(f[0] + "\t" + f[1] + "\t" + f[2], new Decision(algorithm, Double.parseDouble(f[4]),
                        Double.parseDouble(f[5]), Instant.parse(f[6]), file.toString()));
            } catch (RuntimeException e) {
                warnOnce(file + ":" + (i + 1) + ": ignoring a line that is not a conv2d auto decision ("
                        + e.getMessage() + ")");
            }
        }
    }

    private void save() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        new TreeMap<>(decisions).forEach((key, d) -> lines.add(key + "\t" + d.algorithm().configName() + "\t"
                + String.format(Locale.ROOT, "%.4f\t%.4f", d.mecMillis(), d.im2colMillis()) + "\t"
                + d.measuredAt().truncatedTo(ChronoUnit.MILLIS)));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, lines, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void warnOnce(String message) {
        if (!warned) {
            warned = true;
            LOG.warn("{}", message);
        }
    }

    private static String clean(String s) {
        return s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    public String toString() {
        return file == null ? "in memory" : file.toString();
    }
}
