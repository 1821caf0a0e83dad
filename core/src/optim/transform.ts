/**
 * The shape of a first-order (minibatch) optimizer, after optax: a pair of functions `init` and `update`.
 *
 * `update` is a state transition: given the gradient g at theta it writes the step into `step`
 * (so theta_next = theta + step) and returns the next state. Ownership of the state passes to `update`, which may
 * reuse its arrays for the next state instead of allocating; callers must not keep the old state.
 * A transform written in a notebook cell against this interface is used by the training loop, `%train`, `%race`
 * and `%surface` exactly like a built-in one.
 */
export interface GradientTransform<State = unknown> {
  readonly name: string;
  init(theta: Float64Array): State;
  update(g: Float64Array, state: State, theta: Float64Array, step: Float64Array): State;
}
