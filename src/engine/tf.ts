/**
 * The single import point of tfjs for the engine, so every module shares one
 * engine instance and backend registration happens in one place.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor4D = tf.Tensor4D;
