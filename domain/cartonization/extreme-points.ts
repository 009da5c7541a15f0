import type { Dims, Unit } from './units';

type Point = [number, number, number];

/** Bottom-first, then back, then left: fills the floor before stacking. */
function pointBefore(a: Point, b: Point): boolean {
  return a[2] < b[2] || (a[2] === b[2] && (a[1] < b[1] || (a[1] === b[1] && a[0] < b[0])));
}

/** One box being filled: the placed items as a flat x, y, z, dx, dy, dz array, and the free corners. */
export class BoxLoad {
  readonly placed: number[] = [];
  points: Point[] = [[0, 0, 0]];
  /** Points ever offered: a corner once covered stays covered, so it need never be offered again. */
  private readonly offered = new Set<string>(['0,0,0']);

  constructor(private readonly dims: Dims) {}

  overlaps(x: number, y: number, z: number, dx: number, dy: number, dz: number): boolean {
    const p = this.placed;
    for (let i = 0; i < p.length; i += 6) {
      if (
        x < p[i]! + p[i + 3]! &&
        p[i]! < x + dx &&
        y < p[i + 1]! + p[i + 4]! &&
        p[i + 1]! < y + dy &&
        z < p[i + 2]! + p[i + 5]! &&
        p[i + 2]! < z + dz
      ) {
        return true;
      }
    }
    return false;
  }

  findSpot(unit: Unit): { point: Point; d: Dims } | undefined {
    const [L, W, H] = this.dims;
    for (const point of this.points) {
      const [x, y, z] = point;
      for (const d of unit.orientations) {
        if (x + d[0] > L || y + d[1] > W || z + d[2] > H) continue;
        if (!this.overlaps(x, y, z, d[0], d[1], d[2])) return { point, d };
      }
    }
    return undefined;
  }

  place([x, y, z]: Point, d: Dims): void {
    this.placed.push(x, y, z, d[0], d[1], d[2]);
    // The remaining points covered by the new item are gone for good.
    this.points = this.points.filter(
      (p) => !(p[0] >= x && p[0] < x + d[0] && p[1] >= y && p[1] < y + d[1] && p[2] >= z && p[2] < z + d[2]),
    );
    const corners: Point[] = [
      [x + d[0], y, z],
      [x, y + d[1], z],
      [x, y, z + d[2]],
    ];
    for (let axisOfCorner = 0; axisOfCorner < 3; axisOfCorner++) {
      const corner = corners[axisOfCorner]!;
      this.offer(corner);
      for (let axis = 0; axis < 3; axis++) if (axis !== axisOfCorner) this.offer(this.project(corner, axis));
    }
  }

  /** Slides a point towards 0 along `axis` until it meets a wall or a placed item's face. */
  private project(point: Point, axis: number): Point {
    const p = this.placed;
    let reach = 0;
    for (let i = 0; i < p.length; i += 6) {
      const far = p[i + axis]! + p[i + 3 + axis]!;
      if (far > point[axis]! || far <= reach) continue;
      let covers = true;
      for (let other = 0; other < 3 && covers; other++) {
        if (other === axis) continue;
        const start = p[i + other]!;
        covers = point[other]! >= start && point[other]! < start + p[i + 3 + other]!;
      }
      if (covers) reach = far;
    }
    const projected: Point = [point[0], point[1], point[2]];
    projected[axis] = reach;
    return projected;
  }

  private offer(point: Point): void {
    const [L, W, H] = this.dims;
    if (point[0] >= L || point[1] >= W || point[2] >= H) return;
    const key = `${point[0]},${point[1]},${point[2]}`;
    if (this.offered.has(key)) return;
    this.offered.add(key);
    // Inside an item already placed: never usable.
    const p = this.placed;
    for (let i = 0; i < p.length; i += 6) {
      if (
        point[0] >= p[i]! &&
        point[0] < p[i]! + p[i + 3]! &&
        point[1] >= p[i + 1]! &&
        point[1] < p[i + 1]! + p[i + 4]! &&
        point[2] >= p[i + 2]! &&
        point[2] < p[i + 2]! + p[i + 5]!
      ) {
        return;
      }
    }
    let at = this.points.length;
    while (at > 0 && pointBefore(point, this.points[at - 1]!)) at--;
    this.points.splice(at, 0, point);
  }
}
