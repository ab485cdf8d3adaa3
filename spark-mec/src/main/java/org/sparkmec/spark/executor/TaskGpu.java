package org.sparkmec.spark.executor;

import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GPU that Spark's resource scheduling assigned to a task, as the ordinal an engine binds to.
 *
 * <p>Contract: the GPU comes only from the task's {@code gpu} resource ({@link TaskContext#resources()}),
 * which Spark fills when {@code spark.executor.resource.gpu.amount} and {@code spark.task.resource.gpu.amount}
 * are set; GPUs are never enumerated. One GPU per task is used: with {@code spark.task.resource.gpu.amount=1}
 * the task holds exactly one address; with more, the first address is used and this is logged once per JVM;
 * with a fraction (tasks sharing a GPU) each sharing task holds the same one address. Addresses must be GPU
 * ordinals in the NVIDIA driver's numbering, as {@code conf/gpu-discovery.sh} prints them (non-negative
 * decimal integers); anything else (a GPU UUID, say) is rejected rather than guessed at. Without a {@code gpu}
 * resource the result is empty, and the engine uses {@code spark.mec.cuda.device}.
 */
public final class TaskGpu {
    private static final Logger LOG = LoggerFactory.getLogger(TaskGpu.class);

    /** Spark's name of the GPU resource ({@code spark.task.resource.gpu.amount}). */
    public static final String RESOURCE = "gpu";

    private static final AtomicBoolean MULTIPLE_LOGGED = new AtomicBoolean();

    private TaskGpu() {
    }

    /**
     * The GPU ordinal assigned to {@code task}.
     *
     * @param task the running task ({@link TaskContext#get()}); null outside a task
     * @return empty when {@code task} is null or has no {@code gpu} resource
     * @throws IllegalArgumentException if the assigned address is not a non-negative integer
     */
    public static OptionalInt assigned(TaskContext task) {
        if (task == null) {
            return OptionalInt.empty();
        }
        return fromResources(task.resourcesJMap(), describe(task));
    }

    /**
     * The GPU ordinal in a task's resources.
     *
     * @param resources the task's resources by name ({@link TaskContext#resourcesJMap()})
     * @param task      the task, for messages
     * @return empty when there is no {@code gpu} resource, or it holds no address
     * @throws IllegalArgumentException if the first address is not a non-negative integer (in int range)
     */
    public static OptionalInt fromResources(Map<String, ResourceInformation> resources, String task) {
        ResourceInformation gpu = resources.get(RESOURCE);
        if (gpu == null || gpu.addresses().length == 0) {
            return OptionalInt.empty();
        }
        String[] addresses = gpu.addresses();
        int ordinal = ordinal(addresses[0], task);
        if (addresses.length > 1 && MULTIPLE_LOGGED.compareAndSet(false, true)) {
            LOG.warn("{} was assigned {} GPUs {} by Spark; a MEC engine uses one GPU per task, so it uses {} and the "
                    + "others stay idle: set spark.task.resource.gpu.amount=1 (logged once per JVM)", task,
                    addresses.length, Arrays.toString(addresses), addresses[0]);
        }
        return OptionalInt.of(ordinal);
    }

    /** The task as Spark's own log names it: {@code task 1.0 in stage 3.0 (TID 7)}. */
    static String describe(TaskContext task) {
        return "task " + task.partitionId() + "." + task.attemptNumber() + " in stage " + task.stageId() + "."
                + task.stageAttemptNumber() + " (TID " + task.taskAttemptId() + ")";
    }

    private static int ordinal(String address, String task) {
        if (address != null && !address.isEmpty() && address.length() <= 10
                && address.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long value = Long.parseLong(address);
            if (value <= Integer.MAX_VALUE) {
                return (int) value;
            }
        }
        throw new IllegalArgumentException("Spark assigned GPU address '" + address + "' to " + task + ", but the MEC "
                + "engine expects a GPU ordinal, a non-negative integer in the NVIDIA driver's numbering (as "
                + "nvidia-smi --query-gpu=index prints it): fix the GPU discovery script "
                + "(spark.executor.resource.gpu.discoveryScript, or spark.worker.resource.gpu.discoveryScript on "
                + "standalone workers)");
    }
}
