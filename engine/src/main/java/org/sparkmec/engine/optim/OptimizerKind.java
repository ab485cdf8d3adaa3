package org.sparkmec.engine.optim;

import org.sparkmec.engine.config.ConfigEnums;

/** The optimizers, as named in configuration and on the command line ({@code --optimizer}). */
public enum OptimizerKind {
    /** Stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay: {@link Sgd}. */
    SGD,
    /** Adam (Kingma &amp; Ba, ICLR 2015) with L2 weight decay added to the gradient: {@link Adam}. */
    ADAM;

    /** Parses {@code sgd|adam}, case-insensitive. */
    public static OptimizerKind parse(String value) {
        return ConfigEnums.parse(OptimizerKind.class, value, "optimizer");
    }

    public String configName() {
        return ConfigEnums.configName(this);
    }
}
