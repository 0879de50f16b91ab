/**
 * The mask being painted, as reactive state around the pure MaskModel: brush
 * settings, visibility, and a version that changes on every edit so the
 * painter redraws (only the dirty rectangles) and buttons update.
 */
import { clampBrush, MaskModel, MAX_BRUSH_SIZE, MIN_BRUSH_SIZE, type BrushMode } from '../logic/mask.js';

export class MaskState {
  model = $state.raw<MaskModel | null>(null);
  /** Bumped after every edit (painting, undo, clear…). */
  version = $state(0);
  size = $state(40);
  hardness = $state(0.8);
  mode = $state<BrushMode>('paint');
  visible = $state(true);

  /** A fresh, empty mask for an image of this size (keeps the brush settings). */
  reset(width: number, height: number): void {
    this.model = new MaskModel(width, height);
    this.size = Math.min(this.size, Math.max(MIN_BRUSH_SIZE, Math.round(Math.max(width, height) / 4)));
    this.version++;
  }

  /** Copies the brush settings into the model (called as a stroke starts). */
  syncBrush(): void {
    if (this.model) this.model.brush = clampBrush({ size: this.size, hardness: this.hardness, mode: this.mode });
  }

  touch(): void {
    this.version++;
  }

  get canUndo(): boolean {
    void this.version;
    return this.model?.canUndo ?? false;
  }
  get canRedo(): boolean {
    void this.version;
    return this.model?.canRedo ?? false;
  }
  get empty(): boolean {
    void this.version;
    return this.model?.isEmpty() ?? true;
  }

  undo(): void {
    if (this.model?.undo()) this.touch();
  }
  redo(): void {
    if (this.model?.redo()) this.touch();
  }
  clear(): void {
    this.model?.clear();
    this.touch();
  }
  invert(): void {
    this.model?.invert();
    this.touch();
  }
  load(values: Uint8Array): void {
    this.model?.load(values);
    this.touch();
  }

  setSize(size: number): void {
    this.size = Math.min(MAX_BRUSH_SIZE, Math.max(MIN_BRUSH_SIZE, Math.round(size)));
  }
  toggleEraser(): void {
    this.mode = this.mode === 'erase' ? 'paint' : 'erase';
  }
}
