package org.sparkmec.spark.train;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.sparkmec.spark.PermanentFailureException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a barrier stage of N tasks can start: Spark starts a barrier stage only when N task slots are free at
 * once, and otherwise retries every 15 s for about 10 minutes ({@code spark.scheduler.barrier.maxConcurrentTasksCheck.*})
 * before failing. This checks the slots first (the same count Spark's check uses: executor cores over
 * {@code spark.task.cpus}, per the default resource profile), waiting a bounded time for executors to register
 * on a cluster, and fails with one line.
 */
public final class TaskSlots {
    private static final Logger LOG = LoggerFactory.getLogger(TaskSlots.class);
    /** How long {@link #await} waits for executors on a cluster master by default. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 100;

    private TaskSlots() {
    }

    /** The tasks the application's executors can run at once now. */
    public static int available(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    /**
     * Returns once {@code needed} tasks can run at once; a local master is checked without waiting, a cluster
     * master waits up to {@code wait} for executors to register.
     *
     * @param what what needs the slots, for the message ({@code 64 training workers})
     * @throws PermanentFailureException naming the slots needed and available
     */
    public static void await(SparkContext sc, int needed, Duration wait, String what) throws InterruptedException {
        int slots = available(sc);
        if (slots < needed && !sc.isLocal()) {
            LOG.info("waiting up to {} s for executors with {} task slots for {} ({} now)", wait.toSeconds(), needed,
                    what, slots);
            long deadline = System.nanoTime() + wait.toNanos();
            while (slots < needed && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
                slots = available(sc);
            }
        }
        if (slots < needed) {
            throw new PermanentFailureException(what + " need " + needed + " task slots at once (one barrier task "
                    + "each), but " + sc.master() + " has " + slots + (sc.isLocal() ? "" : " after waiting "
                    + wait.toSeconds() + " s") + " (executor cores / spark.task.cpus = "
                    + sc.getConf().get("spark.task.cpus", "1") + "); use at most " + slots + " or add executors");
        }
    }
}
