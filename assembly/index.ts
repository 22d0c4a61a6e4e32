// The wasm ABI: every kernel, re-exported. Pointers are byte offsets, counts are elements.
// The TypeScript signatures and semantics live in src/backend/types.ts (interface Kernels).
export {
  f32_gemm_nn, f32_gemm_nt, f32_gemm_tn, f32_gemm_strided, gemm_set_scratch, gemm_scratch_bytes,
} from './gemm/gemm';
export {
  f32_bias_add, f32_col_sum, f32_activation, f32_activation_grad, f32_exp, f32_softmax, f32_softmax_grad,
} from './unary/unary';
export {
  f32_mse, f32_bce, f32_cce, f32_sparse_cce, f32_softmax_cce, f32_softmax_sparse_cce,
  f32_count_argmax_match, f32_count_argmax_label, f32_count_binary_match,
} from './loss/loss';
export {
  f32_mae, f32_huber, f32_logcosh, f32_hinge, f32_squared_hinge, f32_poisson, f32_mape, f32_msle,
} from './loss/pointwise';
export { f32_categorical_hinge, f32_kld, f32_cosine_proximity } from './loss/rowwise';
export {
  f32_sgd, f32_momentum, f32_adam, f32_adamw, f32_adamax, f32_adadelta, f32_rmsprop, f32_adagrad, f32_l2_grad,
} from './optim/optim';
export {
  f32_sum_squares, f32_scale, f32_fill, f32_copy, f32_gather_rows, i32_gather, f32_all_finite, heap_base,
} from './util/util';
export { f32_im2col, f32_col2im } from './conv/conv';
export { f32_conv2d_direct, f32_conv2d_direct_dw } from './conv/direct';
export { f32_depthwise_conv2d, f32_depthwise_conv2d_dx, f32_depthwise_conv2d_dw } from './conv/depthwise';
export { f32_relu_clipped, f32_relu_clipped_grad } from './unary/relu';
export {
  f32_maxpool2d, f32_maxpool2d_grad, f32_avgpool2d, f32_avgpool2d_grad, f32_global_avgpool, f32_global_avgpool_grad,
} from './pool/pool';
export {
  f32_dropout, f32_mul, f32_batchnorm_train, f32_batchnorm_infer, f32_batchnorm_grad, f32_layernorm, f32_layernorm_grad,
} from './norm/norm';
export { f32_add, f32_sub, f32_axpy, f32_max, f32_min, f32_pick_grad, f32_copy_strided } from './binary/binary';
export { f32_image_transform, f32_image_transform_dx } from './image/transform';
export { f32_embedding, f32_embedding_grad } from './embed/embed';
export { f32_lstm_step, f32_lstm_step_grad, f32_rnn_step_grad } from './rnn/lstm';
