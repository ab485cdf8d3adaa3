package org.sparkmec.engine.train;

import java.util.List;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.optim.OptimizerSpec;
import org.sparkmec.engine.optim.ScheduleSpec;

/** Options that carry a {@link RunSettings}, read through it: the accessors the in-process and Spark options share. */
public interface WithRunSettings {

    /** What the run is. */
    RunSettings run();

    default int epochs() {
        return run().epochs();
    }

    default int batchSize() {
        return run().batchSize();
    }

    default long seed() {
        return run().seed();
    }

    default int limit() {
        return run().limit();
    }

    default OptimizerSpec optimizer() {
        return run().optimizer();
    }

    default ScheduleSpec schedule() {
        return run().schedule();
    }

    default long workspaceBudgetBytes() {
        return run().workspaceBudgetBytes();
    }

    default ConvAlgorithmChoice algorithmOverride() {
        return run().algorithmOverride();
    }

    default boolean resume() {
        return run().resume();
    }

    default org.sparkmec.engine.data.Augmentation augmentation() {
        return run().augmentation();
    }

    default double validationFraction() {
        return run().validationFraction();
    }

    default List<String> classNames() {
        return run().classNames();
    }
}
