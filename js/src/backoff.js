// Exponential reconnection delay: min * 2^attempt, capped at max, moved up or down by a random
// share of itself (the randomization factor) so that clients do not reconnect in lockstep.
class Backoff {
  constructor(min, max, jitter) {
    this.min = min;
    this.max = max;
    this.jitter = jitter;
    this.attempts = 0;
  }

  duration() {
    let ms = this.min * Math.pow(2, this.attempts++);
    if (this.jitter > 0 && this.jitter <= 1) {
      const r = Math.random();
      const deviation = Math.floor(r * this.jitter * ms);
      ms = Math.floor(r * 10) & 1 ? ms + deviation : ms - deviation;
    }
    return Math.min(ms, this.max) | 0;
  }

  reset() {
    this.attempts = 0;
  }
}
