/**
 * What jsdom lacks and @lumino/dragdrop touches while loading (it subclasses DragEvent). Import this before any
 * module that loads @lumino/widgets.
 */
if (typeof globalThis.DragEvent === "undefined") {
  class DragEventPolyfill extends MouseEvent {
    readonly dataTransfer = null;
  }
  Object.assign(globalThis, { DragEvent: DragEventPolyfill });
}
