// Event emitter under every layer of the client. Listeners run in registration order, and a
// listener removed while an event is dispatched still sees that event (the list is copied).
class Emitter {
  on(event, fn) {
    const all = this._listeners || (this._listeners = Object.create(null));
    (all[event] || (all[event] = [])).push(fn);
    return this;
  }

  once(event, fn) {
    const wrapper = (...args) => {
      this.off(event, wrapper);
      fn.apply(this, args);
    };
    wrapper.fn = fn;
    return this.on(event, wrapper);
  }

  off(event, fn) {
    const all = this._listeners;
    if (!all) return this;
    if (event === undefined) {
      this._listeners = Object.create(null);
      return this;
    }
    const list = all[event];
    if (!list) return this;
    if (fn === undefined) {
      delete all[event];
      return this;
    }
    const i = list.findIndex((l) => l === fn || l.fn === fn);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) delete all[event];
    return this;
  }

  // Kept separate from `emit` because Socket#emit sends to the server instead.
  emitReserved(event, ...args) {
    const list = this._listeners && this._listeners[event];
    if (list) for (const fn of list.slice()) fn.apply(this, args);
    return this;
  }

  emit(event, ...args) {
    return this.emitReserved(event, ...args);
  }

  listeners(event) {
    return (this._listeners && this._listeners[event]) || [];
  }

  hasListeners(event) {
    return this.listeners(event).length > 0;
  }
}

{
  const p = Emitter.prototype;
  p.addEventListener = p.on;
  p.removeListener = p.removeEventListener = p.removeAllListeners = p.off;
}

// Runs `fn` after the current task's synchronous work, like the reference's nextTick.
const nextTick = (fn) => Promise.resolve().then(fn);

// Subscribes and returns the matching unsubscribe function.
function subscribe(emitter, event, fn) {
  emitter.on(event, fn);
  return () => emitter.off(event, fn);
}
