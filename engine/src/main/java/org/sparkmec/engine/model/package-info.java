/**
 * Model declaration: what network to train, as a pure, validated description ({@link
 * org.sparkmec.engine.model.ModelSpec}) that another package turns into layers. No tensors, no backend.
 *
 * <p>A model is an NHWC input shape, a list of layers ({@link org.sparkmec.engine.model.LayerSpec}: conv2d,
 * relu, maxpool2d, avgpool2d, flatten, dense, dropout, batchnorm, add, concat, globalavgpool), the layers each layer
 * reads (by default the previous one, so the list is a graph; {@code inputs} in model files) and a loss (softmax-cross-entropy over the last dense
 * layer's units, the classes). It comes from a HOCON model file ({@link org.sparkmec.engine.model.ModelFile},
 * format in {@code conf/models/README.md}) or from the fluent {@link org.sparkmec.engine.model.ModelSpecBuilder};
 * both end in the same {@link org.sparkmec.engine.model.ModelSpec} constructor, so both are validated alike,
 * and {@link org.sparkmec.engine.model.ModelSpecWriter} writes a spec back as a model file.
 *
 * <p>Contract: a {@code ModelSpec} that exists is valid: layer names are unique, every field is in range, and
 * shape inference ({@link org.sparkmec.engine.model.ModelSpec#shapes()}) succeeds, with convolution and pooling
 * output sizes {@code o = (i + 2p - k) / s + 1} (integer division, as in
 * {@link org.sparkmec.engine.shape.ConvGeometry}). Every problem is an {@link IllegalArgumentException} whose
 * message names the layer, the field and the arithmetic; from a file it is a
 * {@link org.sparkmec.engine.model.ModelFileException} that also names the file and line.
 */
package org.sparkmec.engine.model;
