// The bar charts of the two cards. recharts is most of the page's JavaScript, so this
// module is loaded after the figures and the table are on screen (React.lazy).
import { Bar, BarChart, Cell, LabelList, Tooltip, XAxis, YAxis } from 'recharts'

export interface BarDatum {
  key: string
  label: string
  nodes: number
  colour: string
}

export default function NodesBarChart({ data }: { data: BarDatum[] }) {
  return (
    <BarChart width={420} height={190} data={data} margin={{ top: 16, right: 8, bottom: 0, left: 0 }}>
      <XAxis dataKey="key" tick={{ fontSize: 11 }} interval={0} />
      <YAxis allowDecimals={false} width={36} tick={{ fontSize: 11 }} />
      <Tooltip
        formatter={(v) => [String(v), 'nodes']}
        labelFormatter={(k) => data.find((d) => d.key === String(k))?.label ?? String(k)}
      />
      <Bar dataKey="nodes" isAnimationActive={false}>
        {data.map((d) => (
          <Cell key={d.key} fill={d.colour} />
        ))}
        <LabelList dataKey="nodes" position="top" fontSize={11} />
      </Bar>
    </BarChart>
  )
}
