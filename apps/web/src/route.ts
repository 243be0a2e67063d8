import { useEffect, useState } from 'preact/hooks';

/**
 * The page's views, addressed by the URL's fragment (`#/experiments/<id>`), so the API serves one
 * file at `/` and any view can be bookmarked or reloaded.
 */
export type Route =
  | { view: 'experiments' }
  | { view: 'sweeps' }
  | { view: 'experiment'; id: string }
  | { view: 'sweep'; id: string }
  | { view: 'new-experiment' }
  | { view: 'new-sweep' }
  | { view: 'not-found'; hash: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((part) => part !== '');
  const [first, second, ...rest] = parts;
  if (rest.length > 0) return { view: 'not-found', hash };
  if (first === undefined) return { view: 'experiments' };
  if (first === 'experiments' && second === undefined) return { view: 'experiments' };
  if (first === 'sweeps' && second === undefined) return { view: 'sweeps' };
  if (first === 'experiments' && second === 'new') return { view: 'new-experiment' };
  if (first === 'sweeps' && second === 'new') return { view: 'new-sweep' };
  if (first === 'experiments' && second !== undefined) return { view: 'experiment', id: decodeURIComponent(second) };
  if (first === 'sweeps' && second !== undefined) return { view: 'sweep', id: decodeURIComponent(second) };
  return { view: 'not-found', hash };
}

export function href(route: Exclude<Route, { view: 'not-found' }>): string {
  switch (route.view) {
    case 'experiments':
      return '#/experiments';
    case 'sweeps':
      return '#/sweeps';
    case 'new-experiment':
      return '#/experiments/new';
    case 'new-sweep':
      return '#/sweeps/new';
    case 'experiment':
      return `#/experiments/${encodeURIComponent(route.id)}`;
    case 'sweep':
      return `#/sweeps/${encodeURIComponent(route.id)}`;
  }
}

export function navigate(route: Exclude<Route, { view: 'not-found' }>): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
