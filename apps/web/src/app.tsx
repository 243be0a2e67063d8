import { useState } from 'preact/hooks';
import { ApiKeyField } from './components/api-key-field.tsx';
import { ExperimentForm } from './forms/experiment-form.tsx';
import { SweepForm } from './forms/sweep-form.tsx';
import { href, useRoute, type Route } from './route.ts';
import { ExperimentView } from './views/experiment-view.tsx';
import { ExperimentsList } from './views/experiments-list.tsx';
import { SweepView } from './views/sweep-view.tsx';
import { SweepsList } from './views/sweeps-list.tsx';

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'experiments':
      return <ExperimentsList />;
    case 'sweeps':
      return <SweepsList />;
    case 'experiment':
      // Keyed by id: another run's view starts from nothing rather than from this one's epochs.
      return <ExperimentView key={route.id} id={route.id} />;
    case 'sweep':
      return <SweepView key={route.id} id={route.id} />;
    case 'new-experiment':
      return <ExperimentForm />;
    case 'new-sweep':
      return <SweepForm />;
    case 'not-found':
      return <p class="error-banner">Nothing here: {route.hash}</p>;
  }
}

export function App() {
  const route = useRoute();
  // Bumped when the API key changes: the view is built again and loads with the new key.
  const [keyGeneration, setKeyGeneration] = useState(0);
  const current = route.view;
  const link = (target: 'experiments' | 'sweeps' | 'new-experiment' | 'new-sweep', label: string) => (
    <a href={href({ view: target })} aria-current={current === target ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <h1>
          <a href={href({ view: 'experiments' })}>λ-lab</a>
        </h1>
        <nav>
          {link('experiments', 'Experiments')}
          {link('sweeps', 'Sweeps')}
          {link('new-experiment', 'New experiment')}
          {link('new-sweep', 'New sweep')}
          <a href="/docs">API docs</a>
        </nav>
        <ApiKeyField onChange={() => setKeyGeneration((value) => value + 1)} />
      </header>
      <main key={keyGeneration}>
        <View route={route} />
      </main>
    </>
  );
}
