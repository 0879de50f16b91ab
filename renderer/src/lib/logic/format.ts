/** Small formatting helpers for what the UI shows. */

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** 75 → "1 min 15 s", 4 → "4 s", 0.4 → "0.4 s". */
export function formatDuration(seconds: number | undefined | null): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatPsnr(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)} dB`;
}

export function formatMegapixels(width: number, height: number): string {
  return `${((width * height) / 1e6).toFixed(1)} MP`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function shortId(id: string): string {
  return id.length > 10 ? id.slice(0, 8) : id;
}

export function methodLabel(method: string | null | undefined): string {
  if (method === 'gnc') return 'GNC flow';
  if (method === 'joint') return 'Joint';
  if (method === 'vn') return 'VN';
  return method ?? '–';
}
