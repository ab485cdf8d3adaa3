package org.sparkmec.engine.train;

import java.util.ArrayList;
import java.util.List;
import org.sparkmec.engine.backend.Backend;
import org.sparkmec.engine.conv.MecOptions;
import org.sparkmec.engine.model.ActivationShape;
import org.sparkmec.engine.model.AddSpec;
import org.sparkmec.engine.model.BatchNormSpec;
import org.sparkmec.engine.model.ConcatSpec;
import org.sparkmec.engine.model.Conv2dSpec;
import org.sparkmec.engine.model.DenseSpec;
import org.sparkmec.engine.model.DropoutSpec;
import org.sparkmec.engine.model.FlattenSpec;
import org.sparkmec.engine.model.GlobalAvgPoolSpec;
import org.sparkmec.engine.model.LayerSpec;
import org.sparkmec.engine.model.MaxPool2dSpec;
import org.sparkmec.engine.model.ModelSpec;
import org.sparkmec.engine.model.Pool2dSpec;
import org.sparkmec.engine.model.ReluSpec;
import org.sparkmec.engine.nn.AddLayer;
import org.sparkmec.engine.nn.BatchNormLayer;
import org.sparkmec.engine.nn.ConcatLayer;
import org.sparkmec.engine.nn.Conv2dLayer;
import org.sparkmec.engine.nn.ConvAlgorithmChoice;
import org.sparkmec.engine.nn.DenseLayer;
import org.sparkmec.engine.nn.DropoutLayer;
import org.sparkmec.engine.nn.FlattenLayer;
import org.sparkmec.engine.nn.GlobalAvgPoolLayer;
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
        List<int[]> inputs = new ArrayList<>();
        int[] order = spec.order();
        int[] networkIndex = new int[order.length];
        try {
            for (int i : order) {
                ActivationShape in = spec.inputShapes(i).get(0);
                networkIndex[i] = layers.size();
                layers.add(layer(backend, spec.layers().get(i), in, mecOptions, workspaceBudgetBytes, seed,
                        algorithmOverride));
                int[] reads = spec.inputIndices(i);
                for (int j = 0; j < reads.length; j++) {
                    reads[j] = reads[j] < 0 ? Network.IMAGES : networkIndex[reads[j]];
                }
                inputs.add(reads);
            }
            return new Network(backend, layers, inputs,
                    new int[] {spec.input().height(), spec.input().width(), spec.input().channels()});
        } catch (RuntimeException e) {
            layers.forEach(Layer::close);
            throw e;
        }
    }

    private static Layer layer(Backend backend, LayerSpec spec, ActivationShape in, MecOptions mec, long budget,
                               long seed, ConvAlgorithmChoice algorithmOverride) {
        if (spec instanceof Conv2dSpec c) {
            return new Conv2dLayer(backend, new Conv2dLayer.Config(c.name(), in.channels(), c.filters(), c.kernelH(),
                    c.kernelW(), c.params(in), algorithmOverride != null ? algorithmOverride : c.algorithm(), c.bias(),
                    c.init()), mec, budget, seed);
        }
        if (spec instanceof DenseSpec d) {
            return new DenseLayer(backend, d.name(), in.features(), d.units(), d.bias(), d.init(),
                    seed);
        }
        if (spec instanceof Pool2dSpec p) {
            int[] pad = p.padding(in);
            return new Pool2dLayer(backend, p.name(), p instanceof MaxPool2dSpec ? Pool2dLayer.Kind.MAX
                    : Pool2dLayer.Kind.AVERAGE, p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), pad[0], pad[1]);
        }
        if (spec instanceof BatchNormSpec b) {
            return new BatchNormLayer(backend, b.name(), in.channels(), b.momentum(), b.epsilon());
        }
        if (spec instanceof AddSpec a) {
            return new AddLayer(backend, a.name());
        }
        if (spec instanceof ConcatSpec c) {
            return new ConcatLayer(backend, c.name());
        }
        if (spec instanceof GlobalAvgPoolSpec g) {
            return new GlobalAvgPoolLayer(backend, g.name());
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
