import type { RefObject } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * The rendered width of an element, kept current with a ResizeObserver: charts draw at their real pixel
 * width (viewBox = size), so their 12px labels stay 12px on a phone instead of being scaled down.
 */
export function useWidth<T extends Element>(fallback: number, max: number): [RefObject<T>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.getBoundingClientRect().width);
      if (w > 0) setWidth(Math.min(max, Math.max(240, w)));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [max]);
  return [ref, width];
}
