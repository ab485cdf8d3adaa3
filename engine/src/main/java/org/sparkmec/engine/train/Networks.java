package org.sparkmec.engine.train;

import java.util.ArrayList;
import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.model.ActivationShape;
import org.sparkmec.engine.model.AvgPool2dSpec;
import org.sparkmec.engine.model.Conv2dSpec;
import org.sparkmec.engine.model.DenseSpec;
import org.sparkmec.engine.model.DropoutSpec;
import org.sparkmec.engine.model.FlattenSpec;
import org.sparkmec.engine.model.LayerSpec;
import org.sparkmec.engine.model.MaxPool2dSpec;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.ReluSpec;
import org.sparkmec.engine.nn.Conv2dLayer;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.DenseLayer;
import org.sparkmec.engine.nn.DropoutLayer;
import org.sparkmec.engine.nn.FlattenLayer;
import org.sparkmec.engine.nn.Layer;
import org.sparkmec.engine.nn.Network;
import org.sparkmec.engine.nn.Pool2dLayer;
import org.sparkmec.engine.nn.ReluLayer;

/** Builds a {@link Network} on a backend from a validated {@link ModelSpec}. */
public final class Networks {
    private Networks() {
    }

    /**
     * @param workspaceBudgetBytes the most workspace a conv layer with algorithm {@code auto} lets im2col use
     * @param seed                 weights and dropout masks derive from it and each layer's name
     */
    public static Network build(Backend backend, ModelSpec spec, MecOptions mecOptions, long workspaceBudgetBytes,
                                long seed) {
        return build(backend, spec, mecOptions, workspaceBudgetBytes, seed, null);
    }

    /**
     * @param algorithmOverride if not null, every conv layer uses this algorithm instead of its declared one
     */
    public static Network build(Backend backend, ModelSpec spec, MecOptions mecOptions, long workspaceBudgetBytes,
                                long seed, ConvAlgorithmChoice algorithmOverride) {
        List<Layer> layers = new ArrayList<>();
        List<ActivationShape> shapes = spec.shapes();
        try {
            for (int i = 0; i < spec.layers().size(); i++) {
                ActivationShape in = i == 0 ? spec.input().shape() : shapes.get(i - 1);
                layers.add(layer(backend, spec.layers().get(i), in, mecOptions, workspaceBudgetBytes, seed,
                        algorithmOverride));
            }
            return new Network(layers, new int[] {spec.input().height(), spec.input().width(), spec.input().channels()});
        } catch (RuntimeException e) {
            layers.forEach(Layer::close);
            throw e;
        }
    }

    private static Layer layer(Backend backend, LayerSpec spec, ActivationShape in, MecOptions mec, long budget,
                               long seed, ConvAlgorithmChoice algorithmOverride) {
        if (spec instanceof Conv2dSpec c) {
            return new Conv2dLayer(backend, new Conv2dLayer.Config(c.name(), in.channels(), c.filters(), c.kernelH(),
                    c.kernelW(), c.params(), algorithmOverride != null ? algorithmOverride : c.algorithm(), c.bias(),
                    c.init()), mec, budget, seed);
        }
        if (spec instanceof DenseSpec d) {
            return new DenseLayer(backend, d.name(), in.features(), d.units(), d.bias(), d.init(),
                    seed);
        }
        if (spec instanceof MaxPool2dSpec p) {
            return new Pool2dLayer(backend, p.name(), Pool2dLayer.Kind.MAX, p.kernelH(), p.kernelW(), p.strideH(),
                    p.strideW(), p.padH(), p.padW());
        }
        if (spec instanceof AvgPool2dSpec p) {
            return new Pool2dLayer(backend, p.name(), Pool2dLayer.Kind.AVERAGE, p.kernelH(), p.kernelW(), p.strideH(),
                    p.strideW(), p.padH(), p.padW());
        }
        if (spec instanceof ReluSpec r) {
            return new ReluLayer(backend, r.name());
        }
        if (spec instanceof FlattenSpec f) {
            return new FlattenLayer(backend, f.name());
        }
        if (spec instanceof DropoutSpec d) {
            return new DropoutLayer(backend, d.name(), d.rate(), seed);
        }
        throw new IllegalArgumentException("no layer implementation for " + spec);
    }
}
