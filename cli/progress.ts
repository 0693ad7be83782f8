/**
 * Progress on stderr while the CLI waits, when stderr is a terminal: after 200 ms, a spinner line with what
 * it is doing and the time spent, erased when the work ends. Nothing at all when stderr is a file or a pipe,
 * so scripts and captured output stay clean.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  /** Changes the label of the current line. */
  update(label: string): void;
}

export async function withProgress<T>(
  label: string,
  work: (progress: Progress) => Promise<T>,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<T> {
  if (!stream.isTTY) return work({ update: () => {} });
  let current = label;
  let frame = 0;
  let shown = false;
  const started = Date.now();
  const draw = () => {
    shown = true;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current} ${seconds} s`);
  };
  let timer: NodeJS.Timeout | undefined;
  const delay = setTimeout(() => {
    draw();
    timer = setInterval(draw, 100);
  }, 200);
  try {
    return await work({
      update: (next) => {
        current = next;
      },
    });
  } finally {
    clearTimeout(delay);
    clearInterval(timer);
    if (shown) stream.write('\r\x1b[2K');
  }
}
