package org.sparkmec.spark.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.sparkmec.engine.train.Checkpoint;
import org.sparkmec.engine.train.EpochMetrics;
import org.sparkmec.engine.train.TrainingFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a Spark run's epoch files ({@code metrics.csv}, then the checkpoint when one is due) on a thread of its
 * own, in the order they are submitted, so that the workers keep training while a checkpoint of a large model
 * goes to disk: the driver's RPC threads only capture the state (a copy) and hand it over.
 *
 * <p>Each file is written atomically (temp file and rename), so a driver that dies while writing leaves the
 * previous version. The first failure is kept: it runs {@code onFailure} once (the trainer cancels the run) and
 * {@link #finish} throws it. Submitting is thread-safe; {@link #finish} is called once, by the trainer.
 */
final class EpochFileWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EpochFileWriter.class);

    private final Path outDir;
    private final Runnable onFailure;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "spark-mec-epoch-files");
        t.setDaemon(true);
        return t;
    });
    private volatile UncheckedIOException failure;

    /** @param onFailure run once, on the writer's thread, when a write fails (must not block) */
    EpochFileWriter(Path outDir, Runnable onFailure) {
        this.outDir = outDir;
        this.onFailure = onFailure;
    }

    /**
     * Queues {@code metrics.csv} with {@code history} (copied now) and then {@code checkpoint} into
     * {@code checkpointFile} when not null: a run stopped between the two resumes from the earlier checkpoint and
     * recomputes this epoch's row, never lacks it.
     */
    void submit(List<EpochMetrics> history, Checkpoint checkpoint, Path checkpointFile) {
        List<EpochMetrics> rows = List.copyOf(history);
        thread.execute(() -> {
            if (failure != null) {
                return;
            }
            try {
                long t0 = System.nanoTime();
                TrainingFiles.writeMetrics(outDir.resolve(TrainingFiles.METRICS), rows);
                if (checkpoint != null) {
                    checkpoint.write(checkpointFile);
                    LOG.info("wrote {} (epoch {}, step {}) in {} ms while training went on", checkpointFile,
                            checkpoint.epochsCompleted(), checkpoint.steps(), (System.nanoTime() - t0) / 1_000_000);
                }
            } catch (IOException | RuntimeException e) {
                failure = new UncheckedIOException("writing the epoch outputs to " + outDir + " failed: " + e.getMessage(),
                        e instanceof IOException io ? io : new IOException(e));
                onFailure.run();
            }
        });
    }

    /** The first write failure, or null; set on the writer's thread. */
    UncheckedIOException failure() {
        return failure;
    }

    /**
     * Waits for every queued write.
     *
     * @throws UncheckedIOException the first write failure, naming the folder and the cause
     */
    void finish() {
        Future<?> done = thread.submit(() -> { });
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the epoch files of " + outDir + " were written", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Stops the thread after the queued writes (waits up to a minute for them). Idempotent. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
                LOG.warn("epoch files of {} still being written after a minute; not waiting longer", outDir);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
