package org.sparkmec.engine.train;

import org.sparkmec.engine.config.ConfigEnums;

/**
 * How a data-parallel run's driver gets each step's gradient and gives the weights back
 * ({@link TrainConf#AGGREGATION}; the Spark trainer implements it). With P parameters and W workers:
 */
public enum GradientAggregation {
    /** {@link #SLICES} on a cluster (not a local master) with at least 2 workers and {@link #SLICES_MIN_PARAMETERS}. */
    AUTO,
    /**
     * Every worker sends its whole gradient to the driver, which sums the parts in worker order and answers each
     * worker with the whole weights: the driver receives and sends {@code W x 4P} bytes per step each way, in one
     * round trip per step.
     */
    DRIVER,
    /**
     * The workers reduce the gradient among themselves in W slices, peer to peer; each sends its slice's sum to the
     * driver, gets that slice's new weights back and the workers fetch the other slices from their owners: the
     * driver receives and sends {@code 4P} bytes per step each way, whatever W, at the price of three round
     * trips to the driver and {@code 2 x (W - 1)} peer fetches per worker and step. The same sums in the same
     * order as {@link #DRIVER}, so the same weights bit for bit.
     */
    SLICES;

    /** The parameter count from which {@link #AUTO} picks {@link #SLICES} on a cluster. */
    public static final int SLICES_MIN_PARAMETERS = 1 << 20;

    /** Parses {@code auto|driver|slices}, case-insensitive. */
    public static GradientAggregation parse(String value) {
        return ConfigEnums.parse(GradientAggregation.class, value, "gradient aggregation");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }

    /** This choice for a run: {@link #AUTO} resolved, the others as they are. */
    public GradientAggregation resolve(boolean localMaster, int workers, long parameters) {
        if (this != AUTO) {
            return this;
        }
        return !localMaster && workers >= 2 && parameters >= SLICES_MIN_PARAMETERS ? SLICES : DRIVER;
    }
}
