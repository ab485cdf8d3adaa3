package org.sparkmec.engine.bench;

import java.io.Serializable;
import java.util.Locale;
import org.sparkmec.engine.conv.ConvAlgorithm;
import org.sparkmec.engine.conv.MecSolution;

/**
 * An algorithm as the benchmark names it: {@code mec} (the solution MEC chooses), {@code mec-a},
 * {@code mec-b} and {@code mec-fused} (forced), {@code im2col}, {@code direct}. Serializable: Spark ships it to executors inside a task's
 * closure.
 */
public record BenchVariant(String name, ConvAlgorithm algorithm, MecSolution solution) implements Serializable {

    public static final String ALLOWED = "mec|mec-a|mec-b|mec-fused|im2col|direct";

    public static BenchVariant parse(String text) {
        String name = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "mec" -> new BenchVariant(name, ConvAlgorithm.MEC, MecSolution.AUTO);
            case "mec-a" -> new BenchVariant(name, ConvAlgorithm.MEC, MecSolution.A);
            case "mec-b" -> new BenchVariant(name, ConvAlgorithm.MEC, MecSolution.B);
            case "mec-fused" -> new BenchVariant(name, ConvAlgorithm.MEC, MecSolution.FUSED);
            case "im2col" -> new BenchVariant(name, ConvAlgorithm.IM2COL, MecSolution.AUTO);
            case "direct" -> new BenchVariant(name, ConvAlgorithm.DIRECT, MecSolution.AUTO);
            default -> throw new IllegalArgumentException("unknown benchmark algorithm '" + text + "'; expected one of "
                    + ALLOWED);
        };
    }
}
