/** Names of the fused tfjs kernels (kernels/fused.ts on WebGPU, kernels/wasmFused.ts on WASM). */

export const LN = 'XspLayerNorm';
export const LN_STATS = 'XspLayerNormStats';
export const LN_GRAD_X = 'XspLayerNormGradX';
export const LN_GRAD_GAMMA = 'XspLayerNormGradGamma';
export const BIAS_GELU = 'XspBiasGelu';
export const BIAS_GELU_GRAD = 'XspBiasGeluGrad';
export const ATTN_SOFTMAX = 'XspAttentionSoftmax';
export const ATTN_SOFTMAX_GRAD = 'XspAttentionSoftmaxGrad';
export const SOFT_CE = 'XspSoftCrossEntropy';
export const SOFT_CE_GRAD = 'XspSoftCrossEntropyGrad';
export const LINEAR = 'XspLinear';
export const HEADS = 'XspHeads';
export const COLUMN_SUM = 'XspColumnSum';
export const L2_NORMALIZE = 'XspL2Normalize';
export const L2_NORMALIZE_GRAD = 'XspL2NormalizeGrad';
export const MEAN_POOL = 'XspMeanPool';
export const MEAN_POOL_MASKED = 'XspMeanPoolMasked';
export const MEAN_POOL_GRAD = 'XspMeanPoolGrad';
export const RESIDUAL_ADD = 'XspResidualAdd';
// Backward kernels with several outputs (every gradient of an op in one runKernel).
export const LN_GRAD = 'XspLayerNormGrad';
export const BIAS_GELU_GRADS = 'XspBiasGeluGrads';
export const LINEAR_GRAD = 'XspLinearGrad';
