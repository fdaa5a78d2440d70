// Pantau's ECharts 5.6.0: only the charts and components its pages draw
// (web/chart: bar, line, heatmap; title, tooltip with its axis pointer,
// legend, grid, mark areas/lines/points, visual map; canvas), two thirds
// of the full build's bytes and parse time. Built by `make echarts` into
// web/static/echarts/5.6.0/echarts.min.js. A chart kind or component used
// later must be added here (an option naming an unregistered one is
// ignored without a word).
import * as echarts from 'echarts/core';
import { BarChart, LineChart, HeatmapChart } from 'echarts/charts';
import {
  TitleComponent, TooltipComponent, AxisPointerComponent, LegendComponent, GridComponent,
  MarkAreaComponent, MarkLineComponent, MarkPointComponent, VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart, LineChart, HeatmapChart,
  TitleComponent, TooltipComponent, AxisPointerComponent, LegendComponent, GridComponent,
  MarkAreaComponent, MarkLineComponent, MarkPointComponent, VisualMapComponent,
  CanvasRenderer,
]);
window.echarts = echarts;
