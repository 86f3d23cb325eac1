// Hand tool. The drag itself is handled by ViewportInput (it claims primary
// drags while this tool is active, and the view shows "grabbing" meanwhile);
// the tool only supplies the hover cursor.

import type { Tool } from '../types'

export class PanTool implements Tool {
  readonly id = 'pan'

  onPointerDown(): void {}
  onPointerMove(): void {}
  onPointerUp(): void {}
  cancel(): void {}

  cursor(): string {
    return 'grab'
  }
}
